// draft-ietf-sieve-regex-01: the :regex match type (POSIX extended syntax) and :quoteregex.
// Matching runs on a linear-time engine, so a pattern built to backtrack cannot hang delivery.
import type { Comparator, Extension, MatchType } from "../../extension.js";
import { SieveRuntimeError } from "../../result.js";
import { compileRegex, type Regex, RegexSyntaxError } from "./pike-vm.js";

const cache = new Map<string, Regex | string>();

/** A compiled pattern, or the syntax error text. Cached: scripts reuse their keys. */
function compiled(pattern: string, icase: boolean): Regex | string {
  const key = `${icase ? "i" : "o"}:${pattern}`;
  let hit = cache.get(key);
  if (hit === undefined) {
    try {
      hit = compileRegex(pattern, icase);
    } catch (err) {
      if (!(err instanceof RegexSyntaxError)) throw err;
      hit = err.message;
    }
    if (cache.size > 1000) cache.clear();
    cache.set(key, hit);
  }
  return hit;
}

const SUPPORTED = new Set(["i;octet", "i;ascii-casemap"]);

const regexMatch: MatchType = {
  tag: ":regex",
  checkComparator: (c: Comparator) =>
    SUPPORTED.has(c.name) ? null : `regex match type does not support the '${c.name}' comparator`,
  validate(node, keys, _param, v) {
    const icase = node.comparator?.name === "i;ascii-casemap";
    for (const key of keys?.values ?? []) {
      if (key.includes("${")) continue;
      const result = compiled(key, icase);
      if (typeof result === "string")
        v.error(keys!.pos, `invalid regular expression '${key}' for regex match: ${result}`);
    }
  },
  match(values, keys, comparator, _param, ctx) {
    const icase = comparator.name === "i;ascii-casemap";
    const deadline = () => ctx.runtime.checkDeadline(0);
    for (const k of keys) {
      const re = compiled(k, icase);
      if (typeof re === "string") throw new SieveRuntimeError(`invalid regular expression '${k}': ${re}`, 0);
      for (const v of values) {
        const groups = re.exec(v, deadline);
        if (groups !== null) {
          ctx.setMatchValues(groups.map((g) => g ?? ""));
          return true;
        }
      }
    }
    return false;
  },
};

export const regex: Extension = {
  name: "regex",
  matchTypes: [regexMatch],
  tags: [
    {
      to: ["set"],
      tag: {
        name: ":quoteregex",
        setModifier: { precedence: 20, apply: (s) => s.replace(/[\\^$.[\]|()?*+{}]/g, "\\$&") },
      },
    },
  ],
};
