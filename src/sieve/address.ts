// RFC 5322 §3.4 address lists as the address test sees them: each mailbox's addr-spec split
// into local part and domain; groups expanded; whatever does not parse kept whole.

import { encodeLocalPart, splitAddress } from "../mime/index.js";

export interface ParsedAddress {
  /** The addr-spec (`local@domain`), or the unparsable text as written. */
  address: string;
  localpart: string | null;
  domain: string | null;
}

type Token = { kind: "atom" | "quoted" | "special"; text: string };

function tokenize(value: string): Token[] | null {
  const tokens: Token[] = [];
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      i++;
    } else if (c === "(") {
      let depth = 0;
      for (; i < value.length; i++) {
        if (value[i] === "\\") i++;
        else if (value[i] === "(") depth++;
        else if (value[i] === ")" && --depth === 0) break;
      }
      if (depth !== 0) return null;
      i++;
    } else if (c === '"') {
      let text = "";
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === "\\") i++;
        text += value[i] ?? "";
        i++;
      }
      if (i >= value.length) return null;
      i++;
      tokens.push({ kind: "quoted", text });
    } else if ("<>@,;:.[]".includes(c)) {
      if (c === "[") {
        const end = value.indexOf("]", i);
        if (end === -1) return null;
        tokens.push({ kind: "atom", text: value.slice(i, end + 1) });
        i = end + 1;
      } else {
        tokens.push({ kind: "special", text: c });
        i++;
      }
    } else {
      let j = i;
      while (j < value.length && !' \t\r\n()"<>@,;:.[]'.includes(value[j]!)) j++;
      tokens.push({ kind: "atom", text: value.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

/** Splits one mailbox (already cut at commas) into an addr-spec, or null. */
function parseMailbox(tokens: Token[]): ParsedAddress | null {
  const open = tokens.findIndex((t) => t.kind === "special" && t.text === "<");
  let spec = tokens;
  if (open !== -1) {
    const close = tokens.findIndex((t, i) => i > open && t.kind === "special" && t.text === ">");
    if (close === -1) return null;
    spec = tokens.slice(open + 1, close);
    // An obsolete route (`<@a,@b:user@c>`) is dropped (RFC 5322 §4.4).
    const routeEnd = spec.findIndex((t) => t.kind === "special" && t.text === ":");
    if (routeEnd !== -1 && spec[0]?.text === "@") spec = spec.slice(routeEnd + 1);
    if (spec.length === 0) return { address: "", localpart: "", domain: null };
  }
  const at = spec.map((t) => t.kind === "special" && t.text === "@").lastIndexOf(true);
  if (at <= 0 || at === spec.length - 1) return null;
  const local = spec.slice(0, at);
  const domain = spec.slice(at + 1);
  const ok = (ts: Token[]) => ts.every((t) => t.kind !== "special" || t.text === ".");
  if (!ok(local) || !ok(domain)) return null;
  // The local part unquoted, the address in its canonical form, as Pigeonhole gives them
  // (`"b ob"@d`: localpart `b ob`, address `"b ob"@d`; `"bob"@d`: `bob`, `bob@d`).
  const localpart = local.map((t) => t.text).join("");
  const domainText = domain.map((t) => t.text).join("");
  return { address: `${encodeLocalPart(localpart)}@${domainText}`, localpart, domain: domainText };
}

/** Parses an (unfolded, decoded) address header value into its mailboxes. */
export function parseAddressList(value: string): ParsedAddress[] {
  const tokens = tokenize(value);
  const whole = (): ParsedAddress[] =>
    value.trim() === "" ? [] : [{ address: value.trim(), localpart: null, domain: null }];
  if (tokens === null) return whole();
  const out: ParsedAddress[] = [];
  let current: Token[] = [];
  let inGroup = false;
  let angle = false;
  const flush = (): boolean => {
    if (current.length === 0) return true;
    const parsed = parseMailbox(current);
    if (parsed === null) {
      out.push({ address: current.map((t) => t.text).join(" "), localpart: null, domain: null });
    } else out.push(parsed);
    current = [];
    return true;
  };
  for (const t of tokens) {
    if (t.kind === "special" && t.text === "<") angle = true;
    if (t.kind === "special" && t.text === ">") angle = false;
    if (!angle && t.kind === "special" && t.text === ":" && !inGroup) {
      // Group name: the display phrase is dropped, its members follow (RFC 5322 §3.4).
      inGroup = true;
      current = [];
    } else if (!angle && t.kind === "special" && t.text === ";" && inGroup) {
      flush();
      inGroup = false;
    } else if (!angle && t.kind === "special" && t.text === ",") {
      flush();
    } else current.push(t);
  }
  flush();
  return out;
}

/** Parses a bare envelope path (`<a@b>` or `a@b`); the null path `<>` is the empty address. */
export function parseEnvelopeAddress(value: string): ParsedAddress {
  const trimmed = value.trim().replace(/^<(.*)>$/, "$1");
  if (trimmed === "") return { address: "", localpart: "", domain: null };
  // A quoted local part (`"b ob+x"@d`, as LMTP passes it on) is compared unquoted, as Pigeonhole does.
  const { local, domain } = splitAddress(trimmed);
  if (local === "") return { address: trimmed, localpart: trimmed, domain: null };
  if (domain === "") return { address: trimmed, localpart: local, domain: null };
  const address = trimmed.startsWith('"') ? `${encodeLocalPart(local)}${domain}` : trimmed;
  return { address, localpart: local, domain: domain.slice(1) };
}

/** True for a syntactically valid addr-spec (as required of redirect targets, RFC 5228 §4.2). */
export function isValidAddress(value: string): boolean {
  const list = parseAddressList(value);
  return (
    list.length === 1 && list[0]!.localpart !== null && list[0]!.domain !== null && list[0]!.localpart !== ""
  );
}
