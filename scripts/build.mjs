// Build: grammar/*.ne → src/generated/*.ts (nearleyc), then src/ → dist/ (tsc), then loft-lda as
// one bundle with its V8 code cache (esbuild, dist/lda/): it starts once per message, and loading
// one precompiled file instead of some hundred modules is most of its start-up.
// Outputs are written aside and renamed into place, so a program or test running from dist/
// while another build runs never sees a half-built tree.
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";

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
// Node's modules that a delivery seldom or never calls but that modules on its way import (crypto
// for password schemes, fs/promises, net for the auth module, child_process for sendmail, assert
// for pino's writer, streams for reading stored mail, worker_threads for pino's transports,
// diagnostics_channel for its tracing, module for the createRequire of packages loaded when needed,
// which also loads Node's ES module loader): the bundle's require, the module wrapper's parameter, is
// replaced by one that gives these as a proxy loading the module at its first property read
// (measured: half of the bundle's top-level time went to loading Node's modules). One read at
// import (a class extended, a value destructured) loads at once.
const LAZY_BUILTINS = [
  "node:crypto",
  "node:diagnostics_channel",
  "node:module",
  "module",
  "node:net",
  "node:child_process",
  "node:assert",
  "node:fs/promises",
  "node:timers/promises",
  "node:stream",
  "assert",
  "net",
  "crypto",
  "worker_threads",
];
const LAZY_REQUIRE = `require=((load)=>{const lazy=new Set(${JSON.stringify(LAZY_BUILTINS)});return Object.assign((id)=>{if(!lazy.has(id))return load(id);let m;return new Proxy({},{get:(_,k)=>k==="__esModule"?undefined:(m??=load(id))[k],has:(_,k)=>k in (m??=load(id))})},load)})(require);`;

// loft-lda is one CommonJS bundle, dist/lda/loft-lda.cjs, with V8's code cache of it made here
// (loft-lda.cjs.v8): bin/loft-lda hands both to vm.Script, so V8 neither parses nor compiles the
// bundle's top level at each start (measured: a third of the instructions of a delivery went to
// that). Native addons and pino-pretty (loaded by name, only for a terminal) stay outside; the
// JavaScript of better-sqlite3 is bundled (loading its dozen files one by one cost more than the
// rest of a delivery's store work), its addon loaded by path (store/index/open-database.ts). Loft's
// own modules have no import-time side effects that others rely on, so a module none of whose
// exports is used is left out; what a delivery seldom needs (Sieve, the config schema on a warm
// cache) is bundled but only initialised when first imported, and the largest such packages (zod,
// nodemailer, chokidar) are loaded from node_modules when used: their text in the bundle was two
// thirds of it, read and hashed at each start.
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
  // pino and its transport module destructure worker_threads and module when loaded, which would
  // load them (and Node's streams and ES module loader with them) at every start although loft-lda
  // logs synchronously and never uses a transport: read their members where they are used instead,
  // so the lazy require above defers them. pino also makes its diagnostics tracing channel when
  // loaded (measured: 0.4 ms with loading node:diagnostics_channel); made at the first line logged
  // instead, it is the same channel (they are global by name), and a delivery that logs nothing
  // never makes it. Each edit must apply exactly once, or the build stops.
  const PATCHES = [
    {
      file: "pino/lib/tools.js",
      edits: [
        [
          "const { isMainThread } = require('worker_threads')",
          "const workerThreads = require('worker_threads')",
        ],
        ["if (!opts.sync && isMainThread) {", "if (!opts.sync && workerThreads.isMainThread) {"],
        [
          "const asJsonChan = diagChan.tracingChannel('pino_asJson')",
          "let asJsonChannel\nconst asJsonChan = { get hasSubscribers () { return (asJsonChannel ??= diagChan.tracingChannel('pino_asJson')).hasSubscribers }, traceSync (...args) { return asJsonChannel.traceSync(...args) } }",
        ],
      ],
    },
    {
      file: "pino/lib/transport.js",
      edits: [
        ["const { createRequire } = require('module')", "const moduleBuiltin = require('module')"],
        ["createRequire(context)", "moduleBuiltin.createRequire(context)"],
      ],
    },
    {
      file: "thread-stream/index.js",
      edits: [
        ["const { Worker } = require('worker_threads')", "const workerThreads = require('worker_threads')"],
        ["new Worker(", "new workerThreads.Worker("],
      ],
    },
  ];
  const lazyWorkerThreads = {
    name: "lazy-worker-threads",
    setup(b) {
      for (const { file, edits } of PATCHES) {
        b.onLoad({ filter: new RegExp(`node_modules/${file.replaceAll(".", "\\.")}$`) }, (args) => {
          let text = readFileSync(args.path, "utf8");
          for (const [from, to] of edits) {
            if (text.split(from).length !== 2) throw new Error(`${file}: expected "${from}" once`);
            text = text.replace(from, to);
          }
          return { contents: text, loader: "js" };
        });
      }
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
    external: ["@node-rs/argon2", "pino-pretty", "zod", "nodemailer", "chokidar"],
    plugins: [ownCode, lazyWorkerThreads],
    // No comments and no indentation: less to read, hash and scan at each start. With esbuild's
    // default ASCII charset the bundle is then pure ASCII, which bin/loft-lda reads as latin1 (a
    // copy, where UTF-8 would be decoded: measured, a tenth of a delivery's instructions).
    minifyWhitespace: true,
    charset: "ascii",
    // ESM code asks import.meta.url where it is (createRequire), computed on first read: turning the
    // path into a URL at each start cost half a millisecond. Cached files are keyed by this build
    // (cache-file/index.ts). The SQLite addon is named by where it is from the bundle
    // (store/index/open-database.ts).
    define: {
      "import.meta.url": "__loftModuleUrl.href",
      LOFT_BUILD_STAMP: JSON.stringify(tag),
      LOFT_BUNDLED_SQLITE_ADDON: JSON.stringify(
        relative(
          dirname(bundle),
          createRequire(bundle).resolve("better-sqlite3/build/Release/better_sqlite3.node"),
        ),
      ),
    },
    banner: {
      js: `const __loftModuleUrl={get href(){return require("node:url").pathToFileURL(__filename).href}};${LAZY_REQUIRE}`,
    },
    logLevel: "error",
  });
  const { default: Module } = await import("node:module");
  const { Script } = await import("node:vm");
  const source = readFileSync(bundle, "latin1");
  if (/[^\x00-\x7f]/.test(source)) throw new Error(`${bundle} is not pure ASCII`);
  // Written already wrapped as a CommonJS module function, the text vm.Script takes: wrapping it
  // at each start copied the whole bundle once more.
  const wrapped = Module.wrap(source);
  writeFileSync(bundle, wrapped, "latin1");
  try {
    writeFileSync(`${bundle}.v8`, warmCodeCache(bundle));
  } catch (err) {
    // Still a working loft-lda, only a slower start: say so rather than fail the build.
    console.error(`warning: loft-lda's code cache holds only its top level: ${err.message}`);
    const script = new Script(wrapped, { filename: bundle });
    script.runInThisContext()({}, Module.createRequire(bundle), { exports: {} }, bundle, dirname(bundle));
    writeFileSync(`${bundle}.v8`, script.createCachedData());
  }
} catch (err) {
  console.error(err);
  rmSync(next, { recursive: true, force: true });
  process.exit(1);
}
/**
 * V8's code cache of the loft-lda bundle after a real delivery (scripts/lda-warm-up.cjs): a user
 * with a 20-rule Sieve script in a scratch Maildir, the config and Sieve caches filled by a first
 * run as they are on a mail host. As root the delivery runs as nobody, as loft-lda -d drops to.
 */
function warmCodeCache(bundle) {
  const scratch = mkdtempSync(join(tmpdir(), "loft-build-"));
  try {
    const asRoot = process.getuid?.() === 0;
    const uid = asRoot ? 65534 : process.getuid();
    const gid = asRoot ? 65534 : process.getgid();
    const home = join(scratch, "home");
    mkdirSync(home);
    mkdirSync(join(scratch, "state"));
    writeFileSync(join(scratch, "users"), `warm:{PLAIN}x:${uid}:${gid}::${home}\n`);
    writeFileSync(
      join(scratch, "loft.toml"),
      'state_dir = "state"\n[auth]\npasswd_file = "users"\n[log]\npath = "lda.log"\n',
    );
    const rules = Array.from(
      { length: 20 },
      (_, i) => `if header :contains "subject" "project-${i}" { fileinto :create "Project${i}"; stop; }`,
    );
    writeFileSync(
      join(home, ".dovecot.sieve"),
      `require ["fileinto", "mailbox", "envelope"];\n${rules.join("\n")}\n` +
        'if address :domain :is "from" "lists.example.org" { fileinto :create "Lists"; }\n',
    );
    const message =
      "From: Sender <sender@example.net>\nTo: warm@example.org\nSubject: a message\n" +
      "Message-ID: <1@build.example>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\n" +
      "Line of the body.\n".repeat(100);
    if (asRoot) execFileSync("chown", ["-R", `${uid}:${gid}`, scratch]);
    const out = join(scratch, "cache.v8");
    for (const target of ["-", out]) {
      const run = spawnSync(
        process.execPath,
        [join(root, "scripts", "lda-warm-up.cjs"), bundle, target, "-c", join(scratch, "loft.toml")].concat([
          "-d",
          "warm",
          "-f",
          "sender@example.net",
        ]),
        { input: message, encoding: "utf8", timeout: 60_000 },
      );
      if (run.status !== 0)
        throw new Error((run.stderr || run.error?.message || `exit ${run.status}`).trim());
    }
    return readFileSync(out);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const old = join(root, `dist.old.${tag}`);
if (existsSync(join(root, "dist"))) renameSync(join(root, "dist"), old);
renameSync(next, join(root, "dist"));
rmSync(old, { recursive: true, force: true });
