// Build: grammar/*.ne → src/generated/*.ts (nearleyc), then src/ → dist/ (tsc).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);

const grammars = existsSync(join(root, "grammar"))
  ? readdirSync(join(root, "grammar")).filter((f) => f.endsWith(".ne"))
  : [];
if (grammars.length > 0) {
  mkdirSync(join(root, "src", "generated"), { recursive: true });
  for (const file of grammars) {
    const out = join(root, "src", "generated", `${basename(file, ".ne")}-grammar.ts`);
    execFileSync(bin("nearleyc"), [join(root, "grammar", file), "-o", out], { stdio: "inherit" });
  }
}

rmSync(join(root, "dist"), { recursive: true, force: true });
execFileSync(bin("tsc"), ["-p", join(root, "tsconfig.json")], { stdio: "inherit" });
