// RFC 5435 enotify with the RFC 5436 mailto method: notify, valid_notify_method,
// notify_method_capability and the :encodeurl modifier of set.
import type { JsonValue, SieveAction } from "../actions.js";
import { isValidAddress } from "../address.js";
import { matchValues } from "../core/header-access.js";
import { applyActionTags } from "../core/modifiers.js";
import type { CompiledNode, Extension, Validation } from "../extension.js";
import { SieveRuntimeError } from "../result.js";
import { stringsOf } from "../runtime.js";

export interface MailtoUri {
  recipients: { field: "To" | "Cc" | "Bcc"; address: string }[];
  subject: string | null;
  body: string | null;
}

function percentDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/**
 * Parses a mailto: URI (RFC 6068); null when it is not a valid one with at least one recipient.
 * RFC 6068 §2 separates several addresses with ","; Pigeonhole 0.5.19 refuses an unencoded
 * comma in the to part, the RFC wins here.
 */
export function parseMailto(uri: string): MailtoUri | null {
  const m = /^mailto:([^?]*)(?:\?(.*))?$/i.exec(uri);
  if (m === null) return null;
  const out: MailtoUri = { recipients: [], subject: null, body: null };
  const add = (field: "To" | "Cc" | "Bcc", list: string): boolean => {
    for (const raw of list.split(",")) {
      const address = percentDecode(raw.trim());
      if (address === null) return false;
      if (address === "") continue;
      if (!isValidAddress(address)) return false;
      if (!out.recipients.some((r) => r.address.toLowerCase() === address.toLowerCase())) {
        out.recipients.push({ field, address });
      }
    }
    return true;
  };
  if (!add("To", m[1]!)) return null;
  for (const pair of (m[2] ?? "").split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = (percentDecode(eq === -1 ? pair : pair.slice(0, eq)) ?? "").toLowerCase();
    const value = percentDecode(eq === -1 ? "" : pair.slice(eq + 1));
    if (value === null) return null;
    if (name === "to" && !add("To", value)) return null;
    else if (name === "cc" && !add("Cc", value)) return null;
    else if (name === "bcc" && !add("Bcc", value)) return null;
    else if (name === "subject") out.subject = value;
    else if (name === "body") out.body = value;
    // Other headers (From, Auto-Submitted, …) are not the script's to set (RFC 5436 §2.3).
  }
  return out.recipients.length === 0 ? null : out;
}

/** RFC 5435 §4: percent-encode everything but unreserved characters (RFC 3986 §2.3). */
function encodeUrl(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

class NotifyAction implements SieveAction {
  readonly type = "notify";
  readonly role = "other";
  cancelsImplicitKeep = false;
  readonly options: Record<string, JsonValue> = {};

  constructor(
    readonly line: number,
    readonly uri: string,
    readonly mailto: MailtoUri,
    readonly importance: number,
    readonly message: string | null,
    readonly from: string | null,
  ) {}

  /** RFC 5435 §3.9: the same notification twice is sent once. */
  duplicateKey(): string {
    return `notify:${this.mailto.recipients.map((r) => `${r.field}:${r.address.toLowerCase()}`).join(",")}`;
  }

  toJSON(): { [key: string]: JsonValue } {
    return {
      action: "notify",
      method: "mailto",
      importance: this.importance,
      subject: this.message ?? this.mailto.subject,
      from: this.from,
      recipients: this.mailto.recipients.map((r) => ({ field: r.field, address: r.address })),
      body: this.mailto.body,
      ...this.options,
    };
  }

  describe(): { text: string; lines: string[] } {
    const subject = this.message ?? this.mailto.subject;
    return {
      text: "send notification with method 'mailto:':",
      lines: [
        `    => importance   : ${this.importance}`,
        ...(subject === null ? [] : [`    => subject      : ${subject}`]),
        ...(this.from === null ? [] : [`    => from         : ${this.from}`]),
        "    => recipients   :",
        ...this.mailto.recipients.map((r) => `       + ${r.field}: ${r.address}`),
        "",
      ],
    };
  }
}

function checkConstantUri(node: CompiledNode, index: number, v: Validation): void {
  const arg = node.positional[index];
  for (const uri of stringsOf(arg)) {
    if (uri.includes("${")) continue;
    if (!/^mailto:/i.test(uri)) v.error(arg!.pos, `invalid or unsupported notification method '${uri}'`);
    else if (parseMailto(uri) === null) v.error(arg!.pos, `invalid mailto URI '${uri}'`);
  }
}

export const enotify: Extension = {
  name: "enotify",
  commands: [
    {
      name: "notify",
      type: "command",
      positional: ["string"],
      tags: [
        { name: ":from", param: "string" },
        { name: ":importance", param: "string" },
        { name: ":options", param: "strings" },
        { name: ":message", param: "string" },
      ],
      validate(node, v) {
        checkConstantUri(node, 0, v);
        const importance = stringsOf(node.tags.get(":importance"))[0];
        if (importance !== undefined && !importance.includes("${") && !["1", "2", "3"].includes(importance)) {
          v.error(node.pos, `invalid :importance value '${importance}' (expected "1", "2" or "3")`);
        }
        const from = stringsOf(node.tags.get(":from"))[0];
        if (from !== undefined && !from.includes("${") && !isValidAddress(from)) {
          v.error(node.pos, `invalid :from address '${from}' for the notify action`);
        }
      },
      async execute(node, rt) {
        const uri = rt.string(node, 0);
        const mailto = /^mailto:/i.test(uri) ? parseMailto(uri) : null;
        if (mailto === null)
          throw new SieveRuntimeError(`invalid or unsupported notification method '${uri}'`, node.pos.line);
        const importance = Number(rt.tagString(node, ":importance") ?? "2");
        const action = new NotifyAction(
          node.pos.line,
          uri,
          mailto,
          [1, 2, 3].includes(importance) ? importance : 2,
          rt.tagString(node, ":message"),
          rt.tagString(node, ":from"),
        );
        await applyActionTags(action, node, rt);
        rt.trace(node.pos.line, "notify action");
        rt.trace(node.pos.line, `send notification with method \`mailto:'`, 1);
        rt.result.add(action);
        return undefined;
      },
    },
    {
      name: "valid_notify_method",
      type: "test",
      positional: ["strings"],
      evaluate(node, rt) {
        return rt.strings(node, 0).every((uri) => /^mailto:/i.test(uri) && parseMailto(uri) !== null);
      },
    },
    {
      name: "notify_method_capability",
      type: "test",
      positional: ["string", "string", "strings"],
      groups: ["comparator", "match-type"],
      evaluate(node, rt) {
        const uri = rt.string(node, 0);
        const capability = rt.string(node, 1).toLowerCase();
        // RFC 5436 §2.1: whether a mailto recipient is online cannot be known.
        if (!/^mailto:/i.test(uri) || parseMailto(uri) === null || capability !== "online") return false;
        return matchValues(node, rt, ["maybe"], rt.strings(node, 2));
      },
    },
  ],
  tags: [
    {
      to: ["set"],
      tag: { name: ":encodeurl", setModifier: { precedence: 15, apply: encodeUrl } },
    },
  ],
};
