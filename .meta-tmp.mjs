import { build } from "esbuild";
const r = await build({ entryPoints: ["dist/cli/lda-main.js"], bundle: true, platform: "node", format: "cjs", target: "node20", write: false, metafile: true, minifyWhitespace: true,
  external: ["@node-rs/argon2", "pino-pretty", "zod", "nodemailer", "chokidar"], logLevel: "error",
  plugins: [{ name: "se", setup(b) { b.onResolve({ filter: /^\.\.?\// }, (a) => a.importer.includes("/dist/") && !a.importer.includes("node_modules") ? { path: new URL(a.path, "file://" + a.importer).pathname, sideEffects: false } : undefined); } }] });
const out = Object.values(r.metafile.outputs)[0];
const groups = {};
for (const [f, v] of Object.entries(out.inputs)) {
  const m = f.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  const key = m ? "npm:" + m[1] : f.replace(/^dist\//, "").split("/").slice(0, 2).join("/");
  groups[key] = (groups[key] ?? 0) + v.bytesInOutput;
}
console.log("total", out.bytes);
for (const [k, v] of Object.entries(groups).sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(String(v).padStart(8), k);
