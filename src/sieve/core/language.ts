// RFC 5228 itself: control commands, keep/discard/redirect, and the core tests.
import { DiscardAction, RedirectAction, StoreAction } from "../actions.js";
import { isValidAddress, parseEnvelopeAddress } from "../address.js";
import type { CommandSpec, CompiledNode, Extension, Validation } from "../extension.js";
import { SieveRuntimeError } from "../result.js";
import type { Runtime } from "../runtime.js";
import { stringsOf } from "../runtime.js";
import { asciiCasemap, octet } from "./comparators.js";
import { addressPartValues, decodedHeaderValues, headerAddresses, matchValues } from "./header-access.js";
import { contains, is, matches } from "./match-types.js";
import { applyActionTags } from "./modifiers.js";

/** Fields whose values are address lists (RFC 5322 §3.6 and common practice; Pigeonhole's set). */
export const ADDRESS_HEADERS = new Set([
  "from",
  "sender",
  "reply-to",
  "to",
  "cc",
  "bcc",
  "resent-from",
  "resent-sender",
  "resent-reply-to",
  "resent-to",
  "resent-cc",
  "resent-bcc",
  "return-path",
  "delivered-to",
  "x-original-to",
  "envelope-to",
  "errors-to",
  "disposition-notification-to",
  "original-recipient",
]);

/** RFC 5322 §3.6.8 field-name: printable US-ASCII except colon. */
export function isValidHeaderName(name: string): boolean {
  return /^[!-9;-~]+$/.test(name);
}

export function checkHeaderNames(node: CompiledNode, index: number, v: Validation): void {
  const arg = node.positional[index];
  for (const name of stringsOf(arg)) {
    if (name.includes("${")) continue;
    if (!isValidHeaderName(name)) v.error(arg!.pos, `specified header field name '${name}' is invalid`);
  }
}

const ifCommand = (name: string): CommandSpec => ({
  name,
  type: "command",
  tests: "one",
  block: true,
});

const elseCommand: CommandSpec = { name: "else", type: "command", block: true };

const stop: CommandSpec = {
  name: "stop",
  type: "command",
  execute(node, rt) {
    rt.trace(node.pos.line, "stop command; end all script execution");
    return { kind: "stop" };
  },
};

const keep: CommandSpec = {
  name: "keep",
  type: "command",
  async execute(node, rt) {
    const action = new StoreAction("keep", rt.config.defaultMailbox, node.pos.line);
    action.flags = rt.keepFlags();
    await applyActionTags(action, node, rt);
    rt.trace(node.pos.line, "keep action; store message in default mailbox");
    rt.result.add(action);
    return undefined;
  },
};

const discard: CommandSpec = {
  name: "discard",
  type: "command",
  execute(node, rt) {
    rt.trace(node.pos.line, "discard action; cancel implicit keep");
    rt.result.add(new DiscardAction(node.pos.line));
    return undefined;
  },
};

const redirect: CommandSpec = {
  name: "redirect",
  type: "command",
  positional: ["string"],
  validate(node, v) {
    const target = stringsOf(node.positional[0])[0] ?? "";
    if (!target.includes("${") && !isValidAddress(target)) {
      v.error(node.positional[0]!.pos, `specified redirect address '${target}' is invalid`);
    }
  },
  async execute(node, rt) {
    const target = rt.string(node, 0);
    const parsed = isValidAddress(target)
      ? parseEnvelopeAddress(target.replace(/^.*<([^>]*)>.*$/s, "$1"))
      : null;
    if (parsed === null)
      throw new SieveRuntimeError(`specified redirect address '${target}' is invalid`, node.pos.line);
    const action = new RedirectAction(parsed.address, node.pos.line);
    await applyActionTags(action, node, rt);
    rt.trace(node.pos.line, "redirect action");
    rt.trace(node.pos.line, `forward message to address <${parsed.address}>`, 1);
    rt.result.add(action);
    return undefined;
  },
};

const constant = (name: string, value: boolean): CommandSpec => ({
  name,
  type: "test",
  evaluate: () => value,
});

const not: CommandSpec = { name: "not", type: "test", tests: "one" };
const allof: CommandSpec = { name: "allof", type: "test", tests: "list" };
const anyof: CommandSpec = { name: "anyof", type: "test", tests: "list" };

const exists: CommandSpec = {
  name: "exists",
  type: "test",
  positional: ["strings"],
  validate: (node, v) => checkHeaderNames(node, 0, v),
  evaluate(node, rt) {
    // True only when every named field exists (RFC 5228 §5.5).
    return rt.strings(node, 0).every((name) => decodedHeaderValues(node, rt, [name]).length > 0);
  },
};

const header: CommandSpec = {
  name: "header",
  type: "test",
  positional: ["strings", "strings"],
  groups: ["comparator", "match-type"],
  validate: (node, v) => checkHeaderNames(node, 0, v),
  evaluate(node, rt) {
    return matchValues(node, rt, decodedHeaderValues(node, rt, rt.strings(node, 0)), rt.strings(node, 1));
  },
};

const address: CommandSpec = {
  name: "address",
  type: "test",
  positional: ["strings", "strings"],
  groups: ["comparator", "match-type", "address-part"],
  validate(node, v) {
    checkHeaderNames(node, 0, v);
    for (const name of stringsOf(node.positional[0])) {
      if (!name.includes("${") && isValidHeaderName(name) && !ADDRESS_HEADERS.has(name.toLowerCase())) {
        v.error(node.positional[0]!.pos, `specified header '${name}' is not allowed for the address test`);
      }
    }
  },
  evaluate(node, rt) {
    const addresses = headerAddresses(node, rt, rt.strings(node, 0));
    return matchValues(node, rt, addressPartValues(node, rt, addresses), rt.strings(node, 1));
  },
};

const size: CommandSpec = {
  name: "size",
  type: "test",
  positional: ["number"],
  tags: [
    { name: ":over", group: "size comparison" },
    { name: ":under", group: "size comparison" },
  ],
  validate(node, v) {
    if (!node.tags.has(":over") && !node.tags.has(":under")) {
      v.error(node.pos, "the size test requires either the :under or the :over tag");
    }
  },
  evaluate(node, rt) {
    const limit = node.positional[0]?.kind === "number" ? node.positional[0].value : 0;
    return node.tags.has(":over") ? rt.message.size > limit : rt.message.size < limit;
  },
};

const allPart = { tag: ":all", extract: (a: { address: string }) => a.address };
const localPart = { tag: ":localpart", extract: (a: { localpart: string | null }) => a.localpart };
const domainPart = {
  tag: ":domain",
  extract: (a: { domain: string | null; localpart: string | null }) =>
    a.localpart === null ? null : (a.domain ?? ""),
};

export const coreLanguage: Extension = {
  name: "",
  commands: [
    { name: "require", type: "command", positional: ["strings"] },
    ifCommand("if"),
    ifCommand("elsif"),
    elseCommand,
    stop,
    keep,
    discard,
    redirect,
    constant("true", true),
    constant("false", false),
    not,
    allof,
    anyof,
    exists,
    header,
    address,
    size,
  ],
  comparators: [octet, asciiCasemap],
  matchTypes: [is, contains, matches],
  addressParts: [allPart, localPart, domainPart],
};

/** Evaluates a test node, with the core's logical tests handled here. */
export async function evaluateTest(node: CompiledNode, rt: Runtime): Promise<boolean> {
  switch (node.spec === not ? "not" : node.spec === allof ? "allof" : node.spec === anyof ? "anyof" : "") {
    case "not":
      return !(await evaluateTest(node.tests[0]!, rt));
    case "allof":
      for (const t of node.tests) if (!(await evaluateTest(t, rt))) return false;
      return true;
    case "anyof":
      for (const t of node.tests) if (await evaluateTest(t, rt)) return true;
      return false;
  }
  const result = (await node.spec.evaluate?.(node, rt)) ?? false;
  rt.trace(node.pos.line, `${node.name} test: ${result ? "true" : "false"}`);
  return result;
}
