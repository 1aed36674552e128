// Rewrites the config reference in README.md from the schema (run `npm run build` first).
import { readFileSync, writeFileSync } from "node:fs";
import { configReference } from "../dist/config/index.js";

const readme = new URL("../README.md", import.meta.url);
const text = readFileSync(readme, "utf8");
writeFileSync(
  readme,
  text.replace(
    /(<!-- config-reference:start -->\n)[\s\S]*?(<!-- config-reference:end -->)/,
    (_m, start, end) => `${start}${configReference()}\n${end}`,
  ),
);
