import { NUL_REPLACEMENT, type Out, Rfc822Reader } from "./rfc822-tokens.js";

/**
 * One entry of an IMAP address list (RFC 3501 §7.4.2). A group start has only `mailbox` (the
 * group name); a group end has all four null. Values are raw header bytes (binary strings).
 */
export interface Address {
  name: string | null;
  route: string | null;
  mailbox: string | null;
  domain: string | null;
}

interface Ctx {
  r: Rfc822Reader;
  out: Address[];
  addr: Address & { invalid: boolean };
  str: Out;
}

function fresh(): Address & { invalid: boolean } {
  return { name: null, route: null, mailbox: null, domain: null, invalid: false };
}

function push(ctx: Ctx): void {
  const { name, route, mailbox, domain } = ctx.addr;
  ctx.out.push({ name, route, mailbox, domain });
  ctx.addr = fresh();
}

/** Dovecot's "fill missing" mode: IMAP clients get placeholders instead of empty fields. */
function pushFixed(ctx: Ctx): void {
  if (ctx.addr.mailbox === null) {
    ctx.addr.mailbox = "MISSING_MAILBOX";
    ctx.addr.invalid = true;
  }
  if (ctx.addr.domain === null || ctx.addr.domain === "") {
    ctx.addr.domain = "MISSING_DOMAIN";
    ctx.addr.invalid = true;
  }
  push(ctx);
}

function parseNonstrictDotAtom(r: Rfc822Reader, out: Out): number {
  let ret = -1;
  do {
    while (r.peek() === 0x2e) {
      out.v += ".";
      r.pos++;
      if (r.atEnd) return 0;
      ret = 1;
    }
    if (r.peek() === 0x40) break;
    ret = r.parseAtom(out);
  } while (ret > 0 && r.peek() === 0x2e);
  return ret;
}

function parseLocalPart(ctx: Ctx): number {
  ctx.str.v = "";
  const ret =
    ctx.r.peek() === 0x22 ? ctx.r.parseQuotedString(ctx.str) : parseNonstrictDotAtom(ctx.r, ctx.str);
  if (ret < 0) return -1;
  ctx.addr.mailbox = ctx.str.v;
  return ret;
}

function parseDomain(ctx: Ctx): number {
  ctx.str.v = "";
  const ret = ctx.r.parseDomain(ctx.str);
  if (ret < 0) return -1;
  ctx.addr.domain = ctx.str.v;
  return ret;
}

function parseDomainList(ctx: Ctx): number {
  const r = ctx.r;
  ctx.str.v = "";
  for (;;) {
    if (r.atEnd) return 0;
    if (r.peek() !== 0x40) break;
    if (ctx.str.v.length > 0) ctx.str.v += ",";
    ctx.str.v += "@";
    const ret = r.parseDomain(ctx.str);
    if (ret <= 0) return ret;
    while (r.skipLwsp() > 0 && r.peek() === 0x2c) r.pos++;
  }
  ctx.addr.route = ctx.str.v;
  return 1;
}

function parseAngleAddr(ctx: Ctx): number {
  const r = ctx.r;
  r.pos++;
  if (r.skipLwsp() <= 0) return -1;
  if (r.peek() === 0x40) {
    if (parseDomainList(ctx) > 0 && r.peek() === 0x3a) {
      r.pos++;
    } else {
      ctx.addr.route = "INVALID_ROUTE";
      if (r.atEnd) return -1;
    }
    if (r.skipLwsp() <= 0) return -1;
  }
  if (r.peek() !== 0x3e) {
    if (parseLocalPart(ctx) <= 0) return -1;
    if (r.peek() === 0x40 && parseDomain(ctx) <= 0) return -1;
  }
  if (r.peek() !== 0x3e) return -1;
  r.pos++;
  return r.skipLwsp();
}

function parseNameAddr(ctx: Ctx): number {
  const r = ctx.r;
  ctx.str.v = "";
  if (r.parsePhrase(ctx.str) <= 0 || r.peek() !== 0x3c) return -1;
  ctx.addr.name = ctx.str.v === "" ? null : ctx.str.v;
  if (parseAngleAddr(ctx) < 0) {
    ctx.addr.domain = "SYNTAX_ERROR";
    ctx.addr.invalid = true;
  }
  return r.atEnd ? 0 : 1;
}

function parseAddrSpec(ctx: Ctx): number {
  const r = ctx.r;
  const comment = r.lastComment!;
  comment.v = "";
  const quoted = r.peek() === 0x22;
  let ret = parseLocalPart(ctx);
  let ret2 = -2;
  if (ret <= 0) ctx.addr.invalid = true;
  if (ret !== 0 && !r.atEnd && r.peek() === 0x40) {
    ret2 = parseDomain(ctx);
    if (ret2 <= 0) ret = ret2;
  }
  if (comment.v.length > 0) {
    ctx.addr.name = comment.v;
  } else if (ret2 === -2) {
    // no '@': maybe a display name without an address ("Undisclosed recipients")
    ctx.str.v += " ";
    const before = ctx.str.v.length;
    r.parsePhrase(ctx.str);
    if (ctx.str.v.length !== before) {
      ctx.addr.mailbox = null;
      ctx.addr.name = ctx.str.v;
    } else if (!quoted) {
      ctx.addr.domain = "";
    }
    ctx.addr.invalid = true;
    ret = -1;
  }
  return ret;
}

function parseMailbox(ctx: Ctx): number {
  const start = ctx.r.pos;
  let ret = parseNameAddr(ctx);
  if (ret < 0) {
    ctx.r.pos = start;
    ret = parseAddrSpec(ctx);
    const a = ctx.addr;
    if (a.invalid && a.name === null && a.mailbox !== null && a.domain === null) {
      a.name = a.mailbox;
      a.mailbox = null;
    }
  }
  if (ret < 0) ctx.addr.invalid = true;
  pushFixed(ctx);
  return ret;
}

function parseGroup(ctx: Ctx): number {
  const r = ctx.r;
  ctx.str.v = "";
  if (r.parsePhrase(ctx.str) <= 0 || r.peek() !== 0x3a) return -1;
  r.pos++;
  let ret = r.skipLwsp();
  if (ret <= 0) ctx.addr.invalid = true;
  ctx.addr.mailbox = ctx.str.v;
  push(ctx);
  if (ret > 0 && r.peek() !== 0x3b) {
    for (;;) {
      parseMailbox(ctx);
      if (r.atEnd || r.peek() !== 0x2c) break;
      r.pos++;
      if (r.skipLwsp() <= 0) {
        ret = -1;
        break;
      }
    }
  }
  if (ret >= 0) {
    if (r.atEnd || r.peek() !== 0x3b) {
      ret = -1;
    } else {
      r.pos++;
      ret = r.skipLwsp();
    }
  }
  if (ret < 0) ctx.addr.invalid = true;
  push(ctx);
  return ret === 0 ? 0 : 1;
}

function parseAddress(ctx: Ctx): number {
  const start = ctx.r.pos;
  const ret = parseGroup(ctx);
  if (ret >= 0) return ret;
  ctx.r.pos = start;
  return parseMailbox(ctx);
}

/**
 * Parses an address-list header value the way Dovecot builds ENVELOPE address lists,
 * including its placeholders for broken input (MISSING_MAILBOX, MISSING_DOMAIN,
 * SYNTAX_ERROR, INVALID_ROUTE). Returns null for an empty value.
 */
export function parseAddressList(value: string): Address[] | null {
  const ctx: Ctx = { r: new Rfc822Reader(value, { v: "" }), out: [], addr: fresh(), str: { v: "" } };
  ctx.r.nulReplacement = NUL_REPLACEMENT;
  if (ctx.r.skipLwsp() > 0) {
    for (;;) {
      if (parseAddress(ctx) === 0) break;
      if (ctx.r.atEnd || ctx.r.peek() !== 0x2c) break;
      ctx.r.pos++;
      const ret = ctx.r.skipLwsp();
      if (ret <= 0) {
        if (ret < 0) pushFixed(ctx);
        break;
      }
    }
  }
  return ctx.out.length > 0 ? ctx.out : null;
}
