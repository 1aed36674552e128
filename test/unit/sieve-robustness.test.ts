// Mutated real scripts, run against real messages: whatever compiles must run to a result,
// and no failure may be an internal error (a script can never crash delivery).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { MemoryEnvironment, SieveMessage } from "../../src/sieve/index.js";
import { engine } from "./sieve-harness.js";

const root = new URL("../../sieve-examples", import.meta.url).pathname;
const dirs = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory());
const seeds = dirs.map((d) => readFileSync(join(root, d.name, "script.sieve"), "utf8"));
const messages = dirs.flatMap((d) =>
  readdirSync(join(root, d.name))
    .filter((f) => f.endsWith(".eml"))
    .map((f) => new SieveMessage(readFileSync(join(root, d.name, f)))),
);
const tokens = [...new Set(seeds.flatMap((s) => s.split(/\s+/)).filter((t) => t !== ""))];
const REQUIRE_ALL = `require ${JSON.stringify(engine.registry.names())};\n`;

test("property: mutated example scripts compile cleanly or run to a result without internal errors", async () => {
  let ran = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.nat(seeds.length - 1),
      fc.array(fc.tuple(fc.nat(3), fc.nat(), fc.nat()), { maxLength: 4 }),
      fc.nat(messages.length - 1),
      async (seed, edits, m) => {
        const parts = seeds[seed]!.replace(/^(#[^\n]*\n)*require[^;]*;/, "").split(/(\s+)/);
        for (const [kind, a, b] of edits) {
          const i = a % Math.max(parts.length, 1);
          if (kind === 0) parts[i] = tokens[b % tokens.length]!;
          else if (kind === 1) parts.splice(i, 1);
          else if (kind === 2) parts.splice(i, 0, " ", tokens[b % tokens.length]!, " ");
          else parts.splice(i, 0, parts[b % parts.length] ?? "");
        }
        const compiled = engine.compile(REQUIRE_ALL + parts.join(""));
        if (!compiled.ok) return;
        ran++;
        const result = await engine.run(compiled.script, {
          message: messages[m]!,
          envelope: { from: "alice@example.org", to: "bob+x@example.net" },
          env: new MemoryEnvironment(),
        });
        assert.ok(result.actions.length > 0, "there is always an action (at least the keep)");
        if (result.status === "runtime_error") assert.doesNotMatch(result.error!.message, /^internal error/);
      },
    ),
    { numRuns: 1500 },
  );
  assert.ok(ran > 100, `only ${ran} mutated scripts compiled`);
});
