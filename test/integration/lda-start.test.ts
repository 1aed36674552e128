// loft-lda starts once per message, so what it loads is its cost: a delivery with warm caches must
// not load Node's modules that it never calls (each costs milliseconds to load; see
// scripts/build.mjs for how the bundle defers them).
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { maildirMessages, makeWorld } from "../fixtures/delivery/setup.js";
import { REPO, run } from "../helpers/cli.js";

const world = makeWorld([
  {
    name: "sorter",
    script:
      'require ["fileinto", "mailbox"];\nif header :contains "subject" "report" { fileinto :create "Reports"; }\n',
  },
]);
after(() => world.remove());

// Loaded by NODE_OPTIONS before loft-lda: writes the names of the modules Node loaded at exit, and
// of the native addons it opened.
const preload = join(world.dir, "modules.cjs");
const loaded = join(world.dir, "modules.txt");
writeFileSync(
  preload,
  `const addons = []; const dlopen = process.dlopen; process.dlopen = (m, file, ...rest) => { addons.push(\`addon \${file}\`); return dlopen(m, file, ...rest); };
process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(loaded)}, [...process.moduleLoadList, ...addons].join("\\n")));\n`,
);

function deliver(subject: string, env: NodeJS.ProcessEnv = {}) {
  return run(
    process.execPath,
    [join(REPO, "bin", "loft-lda"), "-c", world.configFile, "-d", "sorter", "-f", "s@far.test"],
    {
      input: `From: <s@far.test>\nTo: <sorter@loft.test>\nSubject: ${subject}\n\nFigures.\n`,
      cwd: world.dir,
      env,
    },
  );
}

test("a delivery with warm caches loads none of crypto, streams, worker threads, net, child_process, module, nor SQLite", async () => {
  assert.equal((await deliver("first report")).code, 0, "the first run fills the config and Sieve caches");
  const r = await deliver("second report", { NODE_OPTIONS: `--require ${preload}` });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(maildirMessages(world.home("sorter"), "Reports").length, 2, "both filed by the Sieve script");
  const modules = new Set(readFileSync(loaded, "utf8").split("\n"));
  assert.ok(modules.has("NativeModule fs"), "the list is Node's module list");
  for (const name of ["crypto", "stream", "worker_threads", "net", "child_process", "module"])
    assert.ok(!modules.has(`NativeModule ${name}`), `${name} was loaded`);
  // A Maildir user without quota limits is delivered to without the index.
  assert.deepEqual(
    [...modules].filter((m) => /sqlite/i.test(m)),
    [],
    "SQLite was loaded",
  );
});
