// Build: grammar/*.ne → src/generated/*.ts (nearleyc), then src/ → dist/ (tsc), then loft-lda as
// one bundle with its V8 code cache (esbuild, dist/lda/): it starts once per message, and loading
// one precompiled file instead of some hundred modules is most of its start-up.
// Outputs are written aside and renamed into place, so a program or test running from dist/
// while another build runs never sees a half-built tree.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);
const tag = `${process.pid}-${Date.now()}`;

const grammars = existsSync(join(root, "grammar"))
  ? readdirSync(join(root, "grammar")).filter((f) => f.endsWith(".ne"))
  : [];
if (grammars.length > 0) {
  mkdirSync(join(root, "src", "generated"), { recursive: true });
  for (const file of grammars) {
    const out = join(root, "src", "generated", `${basename(file, ".ne")}-grammar.ts`);
    execFileSync(bin("nearleyc"), [join(root, "grammar", file), "-o", `${out}.${tag}`], { stdio: "inherit" });
    renameSync(`${out}.${tag}`, out);
  }
}

const next = join(root, `dist.${tag}`);
try {
  execFileSync(bin("tsc"), ["-p", join(root, "tsconfig.json"), "--outDir", next], { stdio: "inherit" });
} catch {
  rmSync(next, { recursive: true, force: true });
  process.exit(1);
}
// loft-lda is one CommonJS bundle, dist/lda/loft-lda.cjs, with V8's code cache of it made here
// (loft-lda.cjs.v8): bin/loft-lda hands both to vm.Script, so V8 neither parses nor compiles the
// bundle's top level at each start (measured: a third of the instructions of a delivery went to
// that). Native modules and pino-pretty (loaded by name, only for a terminal) stay outside. Loft's
// own modules have no import-time side effects that others rely on, so a module none of whose
// exports is used is left out; what a delivery seldom needs (the config schema on a warm cache,
// Sieve, outbound mail) is bundled but only initialised when first imported.
try {
  const { build } = await import("esbuild");
  const ownCode = {
    name: "own-code-side-effect-free",
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) =>
        args.importer.startsWith(next) && !args.importer.includes("node_modules")
          ? { path: join(dirname(args.importer), args.path), sideEffects: false }
          : undefined,
      );
    },
  };
  const bundle = join(next, "lda", "loft-lda.cjs");
  await build({
    entryPoints: [join(next, "cli", "lda-main.js")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    outfile: bundle,
    external: ["better-sqlite3", "@node-rs/argon2", "pino-pretty"],
    plugins: [ownCode],
    // No comments and no indentation: less to read, hash and scan at each start. With esbuild's
    // default ASCII charset the bundle is then pure ASCII, which bin/loft-lda reads as latin1 (a
    // copy, where UTF-8 would be decoded: measured, a tenth of a delivery's instructions).
    minifyWhitespace: true,
    charset: "ascii",
    // ESM code asks import.meta.url where it is (createRequire, the cache files' build stamp).
    define: { "import.meta.url": "__loftModuleUrl" },
    banner: { js: 'const __loftModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
    logLevel: "error",
  });
  const source = readFileSync(bundle, "latin1");
  if (/[^\x00-\x7f]/.test(source)) throw new Error(`${bundle} is not pure ASCII`);
  const { default: Module } = await import("node:module");
  const { Script } = await import("node:vm");
  // Run the top level (the bundle only exports) so that the cache holds the functions it compiles.
  const script = new Script(Module.wrap(source), { filename: bundle });
  script.runInThisContext()({}, Module.createRequire(bundle), { exports: {} }, bundle, dirname(bundle));
  writeFileSync(`${bundle}.v8`, script.createCachedData());
} catch (err) {
  console.error(err);
  rmSync(next, { recursive: true, force: true });
  process.exit(1);
}
const old = join(root, `dist.old.${tag}`);
if (existsSync(join(root, "dist"))) renameSync(join(root, "dist"), old);
renameSync(next, join(root, "dist"));
rmSync(old, { recursive: true, force: true });
