// Every sieve-examples/<name>/ holds script.sieve, messages and cases.json with the expected
// `loft sieve-test --json` outcome of each message; global/ and personal/ hold included scripts.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { sieveTest } from "../../src/cli/sieve-test.js";

const root = new URL("../../sieve-examples", import.meta.url).pathname;

interface ExampleCase {
  message: string;
  from?: string;
  to?: string;
  mailboxes?: string[];
  expected: unknown;
}

/** Runs `loft sieve-test --json` in-process and returns the parsed JSON. */
export async function runExample(dir: string, c: ExampleCase): Promise<unknown> {
  let stdout = "";
  await sieveTest(
    join(dir, "script.sieve"),
    join(dir, c.message),
    {
      json: true,
      from: c.from ?? "alice@example.org",
      to: c.to ?? "bob@example.net",
      mailbox: c.mailboxes ?? [],
      ...(existsSync(join(dir, "global")) ? { globalDir: join(dir, "global") } : {}),
      ...(existsSync(join(dir, "personal")) ? { personalDir: join(dir, "personal") } : {}),
    },
    { stdout: (t) => (stdout += t), stderr: () => {} },
  );
  return JSON.parse(stdout);
}

const examples = readdirSync(root, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

test("there are at least 20 examples", () => {
  assert.ok(examples.length >= 20);
});

for (const name of examples) {
  const dir = join(root, name);
  const cases = JSON.parse(readFileSync(join(dir, "cases.json"), "utf8")) as ExampleCase[];
  test(`sieve example ${name}`, async () => {
    assert.ok(cases.length > 0);
    for (const c of cases) assert.deepEqual(await runExample(dir, c), c.expected, `${name}/${c.message}`);
  });
}
