// RFC 5703 §4: :mime and :anychild make header, address and exists look at MIME part headers;
// :type, :subtype, :contenttype and :param pick parts of Content-Type/Content-Disposition.
import { libmime } from "../../../mime/index.js";
import type { CompiledNode, Extension, TagSpec, Validation } from "../../extension.js";
import type { HeaderField } from "../../message.js";
import type { Runtime } from "../../runtime.js";
import { descendants } from "./parts.js";

const STRUCTURED = ["content-type", "content-disposition"];

function sources(node: CompiledNode, rt: Runtime): HeaderField[][] {
  const current = rt.currentPart ?? rt.message.root;
  // Outside a loop the top-level header is the edited one (editheader changes it).
  const own = rt.currentPart === null ? rt.headers : current.headers;
  if (!node.tags.has(":anychild")) return [own];
  return [own, ...descendants(current).map((p) => p.headers)];
}

function pick(name: string, values: string[], node: CompiledNode, rt: Runtime): string[] {
  if (!STRUCTURED.includes(name.toLowerCase())) return values;
  const out: string[] = [];
  for (const value of values) {
    const parsed = libmime().parseHeaderValue(value);
    const full = parsed.value.trim().toLowerCase();
    const [type = "", subtype = ""] = full.split("/");
    if (node.tags.has(":type")) out.push(type);
    else if (node.tags.has(":subtype")) out.push(subtype);
    else if (node.tags.has(":contenttype")) out.push(full);
    else if (node.tags.has(":param")) {
      const params = Object.fromEntries(
        Object.entries(parsed.params).map(([k, v]) => [k.toLowerCase(), String(v)]),
      );
      for (const wanted of rt.tagStrings(node, ":param") ?? []) {
        const v = params[wanted.toLowerCase()];
        if (v !== undefined) out.push(v);
      }
    } else out.push(value);
  }
  return out;
}

function requireMime(node: CompiledNode, _param: unknown, v: Validation): void {
  if (!node.tags.has(":mime"))
    v.error(node.pos, "the :anychild and option tags of the mime extension require :mime");
}

const option = (name: string, param?: "strings"): TagSpec => ({
  name,
  ...(param ? { param } : {}),
  group: "mime option",
  validate(node, p, v) {
    requireMime(node, p, v);
    if (node.name !== "header") v.error(node.pos, `the ${name} tag is only allowed on the header test`);
  },
  mapValues: pick,
});

export const mime: Extension = {
  name: "mime",
  tags: [
    { to: ["header", "address", "exists"], tag: { name: ":mime", headerSources: sources } },
    { to: ["header", "address", "exists"], tag: { name: ":anychild", validate: requireMime } },
    ...[":type", ":subtype", ":contenttype"].map((n) => ({ to: ["header"], tag: option(n) })),
    { to: ["header"], tag: option(":param", "strings") },
  ],
};
