// RFC 5293: addheader and deleteheader. Later tests see the edited header.
import { libmime } from "../../mime/index.js";
import { matchValues } from "../core/header-access.js";
import { checkHeaderNames, isValidHeaderName } from "../core/language.js";
import type { CompiledNode, Extension, Validation } from "../extension.js";
import { decodeHeaderValue } from "../message.js";
import type { Runtime } from "../runtime.js";

/** RFC 5293 §6: these may be neither added nor deleted. */
const ALWAYS_PROTECTED = ["received", "auto-submitted"];

function isProtected(name: string, rt: { config: { protectedHeaders: string[] } }): boolean {
  const lower = name.toLowerCase();
  return (
    ALWAYS_PROTECTED.includes(lower) || rt.config.protectedHeaders.some((h) => h.toLowerCase() === lower)
  );
}

/** Protected fields are accepted and left alone at run time (RFC 5293 §6, as Pigeonhole). */
const checkName = (node: CompiledNode, v: Validation): void => checkHeaderNames(node, 0, v);

/** Header values are ASCII: non-ASCII text becomes RFC 2047 encoded-words. */
function encodeValue(value: string): string {
  return /[^\x00-\x7f]/.test(value) ? libmime().encodeWords(value, "Q", 52) : value;
}

export const editheader: Extension = {
  name: "editheader",
  commands: [
    {
      name: "addheader",
      type: "command",
      positional: ["string", "string"],
      tags: [{ name: ":last" }],
      validate: (node, v) => checkName(node, v),
      execute(node, rt) {
        const name = rt.string(node, 0);
        const value = rt.string(node, 1).replace(/\r?\n(?![ \t])/g, " ");
        if (!isValidHeaderName(name) || isProtected(name, rt)) {
          rt.trace(node.pos.line, `addheader command: ignored for header '${name}'`);
          return undefined;
        }
        if (Buffer.byteLength(`${name}: ${value}`) > rt.config.maxHeaderSize) {
          rt.trace(node.pos.line, "addheader command: header too large, ignored");
          return undefined;
        }
        const field = { name, raw: encodeValue(value) };
        rt.headers = node.tags.has(":last") ? [...rt.headers, field] : [field, ...rt.headers];
        rt.headersEdited = true;
        rt.trace(node.pos.line, `addheader command; add header \`${name}'`);
        return undefined;
      },
    },
    {
      name: "deleteheader",
      type: "command",
      positional: ["string", "strings"],
      optionalPositional: 1,
      groups: ["comparator", "match-type"],
      tags: [{ name: ":index", param: "number" }, { name: ":last" }],
      validate(node, v) {
        checkName(node, v);
        if (node.tags.has(":last") && !node.tags.has(":index"))
          v.error(node.pos, "the :last tag requires the :index tag");
        const n = node.tags.get(":index");
        if (n?.kind === "number" && n.value < 1) v.error(n.pos, "the :index tag requires a positive number");
      },
      execute(node, rt: Runtime) {
        const name = rt.string(node, 0).toLowerCase();
        if (isProtected(name, rt)) return undefined;
        const patterns = node.positional.length > 1 ? rt.strings(node, 1) : null;
        const positions = rt.headers.flatMap((h, i) => (h.name.toLowerCase() === name ? [i] : []));
        const n = rt.tagNumber(node, ":index");
        let candidates = positions;
        if (n !== null) {
          const at = node.tags.has(":last") ? positions.length - n : n - 1;
          candidates = at >= 0 && at < positions.length ? [positions[at]!] : [];
        }
        const doomed = new Set(
          candidates.filter(
            (i) =>
              patterns === null || matchValues(node, rt, [decodeHeaderValue(rt.headers[i]!.raw)], patterns),
          ),
        );
        if (doomed.size > 0) {
          rt.headers = rt.headers.filter((_, i) => !doomed.has(i));
          rt.headersEdited = true;
        }
        rt.trace(node.pos.line, `deleteheader command; deleted ${doomed.size} occurrence(s) of \`${name}'`);
        return undefined;
      },
    },
  ],
};
