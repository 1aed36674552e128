// RFC 5235: spamtest, spamtestplus (:percent) and virustest, read from configured headers.
import type { ScoreHeaderConfig } from "../config.js";
import { matchValues } from "../core/header-access.js";
import type { CommandSpec, Extension } from "../extension.js";
import { decodeHeaderValue, headerValues } from "../message.js";
import type { Runtime } from "../runtime.js";

/** The numeric score in the configured header, or null when the message was not tested. */
function score(rt: Runtime, config: ScoreHeaderConfig | null): number | null {
  if (config === null) return null;
  const raw = headerValues(rt.headers, config.header).map(decodeHeaderValue)[0];
  if (raw === undefined) return null;
  const m = new RegExp(config.pattern).exec(raw);
  const value = m === null ? Number.NaN : Number(m[1] ?? m[0]);
  return Number.isFinite(value) ? value : null;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** Maps a score onto 1..top ("0" stays for untested mail, RFC 5235 §3.2). */
function scaled(value: number | null, max: number, top: number): string {
  if (value === null) return "0";
  return String(clamp(1 + Math.round(((top - 1) * value) / max), 1, top));
}

/** One spamtest for both capabilities: :percent is spamtestplus's (RFC 5235 §3.2). */
const spamtestCommand: CommandSpec = {
  name: "spamtest",
  type: "test",
  positional: ["string"],
  groups: ["comparator", "match-type"],
  tags: [
    {
      name: ":percent",
      validate(node, _param, v) {
        if (!v.has("spamtestplus"))
          v.error(node.pos, "the :percent tag of spamtest requires the spamtestplus extension");
      },
    },
  ],
  evaluate(node, rt) {
    const cfg = rt.config.spamtest;
    const value = score(rt, cfg);
    const result = node.tags.has(":percent")
      ? value === null
        ? "0"
        : String(clamp(Math.round((100 * value) / cfg!.max), 0, 100))
      : scaled(value, cfg?.max ?? 1, 10);
    return matchValues(node, rt, [result], rt.strings(node, 0));
  },
};

export const spamtest: Extension = { name: "spamtest", commands: [spamtestCommand] };
export const spamtestplus: Extension = { name: "spamtestplus", commands: [spamtestCommand] };

export const virustest: Extension = {
  name: "virustest",
  commands: [
    {
      name: "virustest",
      type: "test",
      positional: ["string"],
      groups: ["comparator", "match-type"],
      evaluate(node, rt) {
        const cfg = rt.config.virustest;
        return matchValues(node, rt, [scaled(score(rt, cfg), cfg?.max ?? 1, 5)], rt.strings(node, 0));
      },
    },
  ],
};
