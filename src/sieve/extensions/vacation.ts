// RFC 5230 vacation and RFC 6131 vacation-seconds. The action says whether a reply would be
// sent (RFC 5230 §4.5, RFC 3834 §2) and to whom; delivery sends it and records the tracking.
import type { JsonValue, SieveAction } from "../actions.js";
import { isValidAddress, parseAddressList, parseEnvelopeAddress } from "../address.js";
import type { Argument } from "../ast.js";
import { headerAddresses } from "../core/header-access.js";
import { applyActionTags } from "../core/modifiers.js";
import type { CompiledNode, Extension, TagSpec, Validation } from "../extension.js";
import { decodeHeaderValue, headerValues } from "../message.js";
import type { Runtime } from "../runtime.js";
import { stringsOf } from "../runtime.js";

const MAX_SUBJECT = 256;

export interface VacationReply {
  to: string;
  subject: string;
}

export class VacationAction implements SieveAction {
  readonly type = "vacation";
  readonly role = "respond";
  cancelsImplicitKeep = false;
  readonly options: Record<string, JsonValue> = {};

  constructor(
    readonly line: number,
    readonly seconds: number,
    readonly subject: string | null,
    readonly from: string | null,
    readonly reason: string,
    readonly mime: boolean,
    readonly handle: string,
    /** Why no reply is sent, or the reply. */
    readonly reply: VacationReply | { skipped: string },
  ) {}

  duplicateKey(): null {
    return null;
  }

  conflictWith(other: SieveAction): string | null {
    // RFC 5230 §4.7: one vacation per script run.
    if (other instanceof VacationAction && other !== this) return "duplicate vacation action not allowed";
    return null;
  }

  toJSON(): { [key: string]: JsonValue } {
    return {
      action: "vacation",
      seconds: this.seconds,
      subject: this.subject,
      from: this.from,
      reason: this.reason,
      mime: this.mime,
      reply: "skipped" in this.reply ? null : { to: this.reply.to, subject: this.reply.subject },
      ...this.options,
    };
  }

  describe(): { text: string; lines: string[] } {
    const lines = [
      `    => seconds : ${this.seconds}`,
      ...(this.subject === null ? [] : [`    => subject : ${this.subject}`]),
      ...(this.from === null ? [] : [`    => from    : ${this.from}`]),
      `    => handle  : ${this.handle}`,
      "",
      "START MESSAGE",
      this.reason,
      "END MESSAGE",
    ];
    return { text: "send vacation message:", lines };
  }
}

/** RFC 3834 §2 and RFC 5230 §4.5: messages that must never get an automatic reply. */
function suppressReason(rt: Runtime, sender: string): string | null {
  if (sender === "") return "null envelope sender";
  const local = (parseEnvelopeAddress(sender).localpart ?? "").toLowerCase();
  if (local === "mailer-daemon" || local === "listserv" || local === "majordomo") return "sender is a daemon";
  if (local.startsWith("owner-") || local.endsWith("-request")) return "sender is a list address";
  const auto = headerValues(rt.headers, "auto-submitted").map((v) => decodeHeaderValue(v).toLowerCase());
  if (auto.some((v) => v.split(";")[0]!.trim() !== "no")) return "message is auto-submitted";
  for (const h of [
    "list-id",
    "list-help",
    "list-subscribe",
    "list-unsubscribe",
    "list-post",
    "list-owner",
    "list-archive",
  ]) {
    if (headerValues(rt.headers, h).length > 0) return "message is from a mailing list";
  }
  const precedence = headerValues(rt.headers, "precedence").map((v) => decodeHeaderValue(v).toLowerCase());
  if (precedence.some((p) => p === "bulk" || p === "list" || p === "junk")) return "message is bulk mail";
  return null;
}

/** The user's own addresses: the recipient, :addresses and what the environment knows. */
function userAddresses(node: CompiledNode, rt: Runtime): Set<string> {
  const out = new Set<string>();
  const add = (a: string) => {
    const parsed = parseEnvelopeAddress(a);
    if (parsed.address !== "") out.add(parsed.address.toLowerCase());
    // Subaddresses of the user are the user (Dovecot's recipient_delimiter).
    const local = parsed.localpart ?? "";
    const cut = [...rt.config.recipientDelimiter].map((d) => local.indexOf(d)).filter((i) => i > 0);
    if (cut.length > 0 && parsed.domain !== null) {
      out.add(`${local.slice(0, Math.min(...cut))}@${parsed.domain}`.toLowerCase());
    }
  };
  add(rt.envelope.to);
  if (rt.envelope.origTo) add(rt.envelope.origTo);
  for (const a of rt.env.userAddresses()) add(a);
  for (const a of rt.tagStrings(node, ":addresses") ?? []) {
    for (const p of parseAddressList(a)) add(p.address);
  }
  return out;
}

function decide(node: CompiledNode, rt: Runtime): { to: string } | { skipped: string } {
  const sender = parseEnvelopeAddress(rt.envelope.from).address;
  const suppressed = suppressReason(rt, sender);
  if (suppressed !== null) return { skipped: suppressed };
  const mine = userAddresses(node, rt);
  if (mine.has(sender.toLowerCase())) return { skipped: "sender is the user" };
  const fromHeader = rt.tagString(node, ":from");
  if (
    fromHeader !== null &&
    parseAddressList(fromHeader).some((a) => a.address.toLowerCase() === sender.toLowerCase())
  ) {
    return { skipped: "sender is the :from address" };
  }
  const probe = { ...node, tagSpecs: [] };
  const recipients = headerAddresses(probe, rt, ["to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc"]);
  if (!recipients.some((a) => mine.has(a.address.toLowerCase()))) {
    return { skipped: "user's address is not among the recipients" };
  }
  return { to: sender };
}

function checkFrom(node: CompiledNode, _param: unknown, v: Validation): void {
  const from = stringsOf(node.tags.get(":from"))[0] ?? "";
  if (!from.includes("${") && !isValidAddress(from)) {
    v.error(node.pos, `specified :from address '${from}' is invalid for vacation action`);
  }
}

/** Pigeonhole warns when the period is below the minimum it will use instead. */
function checkPeriod(unit: number, tag: string) {
  return (_node: CompiledNode, param: Argument | null, v: Validation): void => {
    if (param?.kind === "number" && param.value * unit < v.config.vacation.minPeriod) {
      v.warning(param.pos, `specified ${tag} value '${param.value}' is under the minimum`);
    }
  };
}

const VACATION_TAGS: TagSpec[] = [
  { name: ":days", param: "number", group: "period", validate: checkPeriod(86400, ":days") },
  { name: ":subject", param: "string" },
  { name: ":from", param: "string", validate: checkFrom },
  { name: ":addresses", param: "strings" },
  { name: ":mime" },
  { name: ":handle", param: "string" },
];

async function execute(node: CompiledNode, rt: Runtime): Promise<undefined> {
  const { defaultPeriod, minPeriod, maxPeriod } = rt.config.vacation;
  const days = rt.tagNumber(node, ":days");
  const secs = rt.tagNumber(node, ":seconds");
  let seconds = days !== null ? days * 86400 : (secs ?? defaultPeriod);
  // The configured bounds apply to :days and :seconds alike (Pigeonhole's min/max period).
  if (seconds < minPeriod) seconds = minPeriod;
  if (maxPeriod > 0 && seconds > maxPeriod) seconds = maxPeriod;
  const subject = rt.tagString(node, ":subject");
  const from = rt.tagString(node, ":from");
  const reason = rt.string(node, 0);
  const mime = node.tags.has(":mime");
  // The default handle is made from the arguments as written, before variable substitution
  // (as Pigeonhole does, observed), so a reply tracks per rule rather than per expanded text.
  const written = (tag: string) => stringsOf(node.tags.get(tag))[0] ?? null;
  const handle =
    rt.tagString(node, ":handle") ??
    `${stringsOf(node.positional[0])[0] ?? ""}${written(":subject") ?? "<default-subject>"}${written(":from") ?? "<default-from>"}${mime ? "<MIME>" : "<NO-MIME>"}`;
  const decision = decide(node, rt);
  let reply: VacationReply | { skipped: string } = { skipped: "skipped" in decision ? decision.skipped : "" };
  if ("to" in decision) {
    if (await rt.env.vacationRecentlySent(decision.to, handle, seconds)) {
      reply = { skipped: "already replied to this sender recently" };
    } else {
      const original = headerValues(rt.headers, "subject").map(decodeHeaderValue)[0];
      const text = subject ?? (original === undefined ? "Automated reply" : `Auto: ${original}`);
      reply = { to: decision.to, subject: Array.from(text).slice(0, MAX_SUBJECT).join("") };
      rt.result.tracking.push({ kind: "vacation", key: `${decision.to}\0${handle}`, seconds });
    }
  }
  rt.trace(node.pos.line, "vacation action");
  rt.trace(
    node.pos.line,
    "skipped" in reply ? `no reply: ${reply.skipped}` : `send reply to <${reply.to}>`,
    1,
  );
  const action = new VacationAction(node.pos.line, seconds, subject, from, reason, mime, handle, reply);
  await applyActionTags(action, node, rt);
  rt.result.add(action);
  return undefined;
}

export const vacation: Extension = {
  name: "vacation",
  commands: [{ name: "vacation", type: "command", positional: ["string"], tags: VACATION_TAGS, execute }],
};

/** RFC 6131 adds :seconds; requiring it makes the vacation command accept the tag. */
export const vacationSeconds: Extension = {
  name: "vacation-seconds",
  // RFC 6131 §2 extends vacation; requiring it alone makes vacation available (as Pigeonhole).
  implies: ["vacation"],
  tags: [
    {
      to: ["vacation"],
      tag: { name: ":seconds", param: "number", group: "period", validate: checkPeriod(1, ":seconds") },
    },
  ],
};
