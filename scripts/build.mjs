// Build: grammar/*.ne → src/generated/*.ts (nearleyc), then src/ → dist/ (tsc), then loft-lda as
// one bundle (esbuild, dist/lda/): it starts once per message, and loading one file instead of some
// hundred modules is most of its start-up.
// Outputs are written aside and renamed into place, so a program or test running from dist/
// while another build runs never sees a half-built tree.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
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
// Native modules and pino-pretty (loaded by name, only for a terminal) stay outside. The bundle is
// split at dynamic imports: what a plain delivery never needs (the config schema on a warm cache,
// outbound mail, charset tables) lives in chunks loaded only when asked for, because every byte
// loaded is compiled at each start. Loft's own modules have no import-time side effects that others
// rely on, so a module none of whose exports is used is left out.
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
  await build({
    entryPoints: { "loft-lda": join(next, "cli", "lda-main.js") },
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outdir: join(next, "lda"),
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunk-[hash]",
    external: ["better-sqlite3", "@node-rs/argon2", "pino-pretty"],
    plugins: [ownCode],
    // CommonJS packages in the bundle require Node's built-ins.
    banner: {
      js: 'import { createRequire as __loftRequire } from "node:module";\nconst require = __loftRequire(import.meta.url);',
    },
    logLevel: "error",
  });
} catch {
  rmSync(next, { recursive: true, force: true });
  process.exit(1);
}
const old = join(root, `dist.old.${tag}`);
if (existsSync(join(root, "dist"))) renameSync(join(root, "dist"), old);
renameSync(next, join(root, "dist"));
rmSync(old, { recursive: true, force: true });
