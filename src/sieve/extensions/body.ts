// RFC 5173: the body test with the :raw, :content and :text transforms.
import { matchValues } from "../core/header-access.js";
import type { Extension } from "../extension.js";
import { decodedText, headerText, type MimePart } from "../message.js";
import type { Runtime } from "../runtime.js";
import { stringsOf } from "../runtime.js";
import { htmlToText } from "./html-text.js";

function leaves(part: MimePart, out: MimePart[] = []): MimePart[] {
  if (part.children.length === 0) out.push(part);
  // An enclosed message contributes its own body parts (RFC 5173 §5.2).
  for (const child of part.children) leaves(child, out);
  return out;
}

function allParts(part: MimePart, out: MimePart[] = []): MimePart[] {
  out.push(part);
  for (const child of part.children) allParts(child, out);
  return out;
}

/** RFC 5173 §5.2: "" matches every type, "text" every text subtype, "text/plain" one. */
function typeMatches(part: MimePart, wanted: string): boolean {
  const w = wanted.toLowerCase();
  if (w === "") return true;
  const { type, subtype } = part.contentType;
  return w.includes("/") ? w === `${type}/${subtype}` : w === type;
}

function partText(part: MimePart): string {
  const text = decodedText(part);
  return part.contentType.subtype === "html" ? htmlToText(text) : text;
}

function contentValues(rt: Runtime, types: string[]): string[] {
  const out: string[] = [];
  for (const part of allParts(rt.message.root)) {
    if (!types.some((t) => typeMatches(part, t))) continue;
    if (part.contentType.type === "multipart") {
      // A multipart's own content is its prologue and epilogue (RFC 5173 §5.2).
      out.push(part.prologue + part.epilogue);
    } else if (part.children.length > 0) {
      // For message/rfc822 it is the enclosed header; the enclosed parts are matched themselves.
      out.push(Buffer.from(headerText(part.children[0]!.headers), "latin1").toString("utf8"));
    } else out.push(decodedText(part));
  }
  return out;
}

export const body: Extension = {
  name: "body",
  commands: [
    {
      name: "body",
      type: "test",
      positional: ["strings"],
      groups: ["comparator", "match-type"],
      tags: [
        { name: ":raw", group: "body transform" },
        { name: ":content", param: "strings", group: "body transform" },
        { name: ":text", group: "body transform" },
      ],
      validate(node, v) {
        if (node.matchType?.tag === ":count")
          v.error(node.pos, "the body test does not allow the :count match type");
        for (const t of stringsOf(node.tags.get(":content"))) {
          if (t.includes(";"))
            v.error(node.pos, `content type '${t}' of the body test must not have parameters`);
        }
      },
      evaluate(node, rt) {
        let values: string[];
        if (node.tags.has(":raw")) {
          values = [Buffer.from(rt.message.root.rawBody, "latin1").toString("utf8")];
        } else if (node.tags.has(":content")) {
          values = contentValues(rt, rt.tagStrings(node, ":content") ?? []);
        } else {
          values = leaves(rt.message.root)
            .filter((p) => p.contentType.type === "text")
            .map(partText);
        }
        return matchValues(node, rt, values, rt.strings(node, 0));
      },
    },
  ],
};
