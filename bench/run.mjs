// Runs every bench/<area>/*.bench.mjs (after `npm run build`); an argument narrows to paths
// containing it. Benchmarks print figures and assert nothing.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL(".", import.meta.url).pathname;
const filters = process.argv.slice(2);
const files = readdirSync(root, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .flatMap((d) =>
    readdirSync(join(root, d.name))
      .filter((f) => f.endsWith(".bench.mjs"))
      .map((f) => join(d.name, f)),
  )
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
let failed = false;
for (const file of files) {
  console.log(`# ${file}`);
  const r = spawnSync(process.execPath, [join(root, file)], { stdio: "inherit" });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
