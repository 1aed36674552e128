// Run by scripts/build.mjs in a child process: one real delivery with the freshly built loft-lda
// bundle, then V8's code cache of the bundle as it stands after it. V8 compiles a function only
// when it is first called, so a cache made after running just the bundle's top level left every
// function of a delivery to be compiled again at each start (measured: a fifth of loft-lda's
// instructions). Usage: node lda-warm-up.cjs BUNDLE OUT|- LDA-ARGS… (message on stdin; "-" only
// delivers, to fill the config and Sieve caches the next run finds).
"use strict";
const { readFileSync, writeFileSync } = require("node:fs");
const Module = require("node:module");
const { dirname } = require("node:path");
const vm = require("node:vm");

const [file, out, ...args] = process.argv.slice(2);
const script = new vm.Script(readFileSync(file, "latin1"), { filename: file });
globalThis[Symbol.for("loft.import")] = (specifier) => import(specifier);
const bundle = { exports: {} };
script.runInThisContext()(bundle.exports, Module.createRequire(file), bundle, file, dirname(file));
bundle.exports.ldaMain(args).then((code) => {
  if (code !== 0) {
    console.error(`the warm-up delivery exited with ${code}`);
    process.exitCode = 1;
  } else if (out !== "-") writeFileSync(out, script.createCachedData());
});
