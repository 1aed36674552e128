import type { MimeParam } from "./rfc2231.js";
import type { EnvelopeFields, MimePart, PartData } from "./types.js";

/**
 * Compact JSON for the index cache. A part is a positional array
 * [headerStart, bodyStart, bodyEnd, headerVirtual, headerLines, bodyVirtual, bodyLines,
 *  flags, data, envelope, children?] with physical sizes implied by the offsets and short
 * keys inside data and envelope. Strings are binary strings (one char per byte).
 */
const FORMAT = "mime1";

const DATA_KEYS = {
  type: "t",
  subtype: "s",
  params: "p",
  id: "i",
  description: "d",
  encoding: "e",
  disposition: "D",
  dispositionParams: "P",
  language: "l",
  location: "L",
  md5: "m",
} as const satisfies Record<keyof PartData, string>;

const ENVELOPE_KEYS = {
  date: "d",
  subject: "s",
  inReplyTo: "i",
  messageId: "m",
  from: "f",
  sender: "S",
  replyTo: "r",
  to: "t",
  cc: "c",
  bcc: "b",
} as const satisfies Record<keyof EnvelopeFields, string>;

type Encoded = (number | Record<string, unknown> | Encoded[])[];

function shorten(obj: object, keys: Record<string, string>): Record<string, unknown> | 0 {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    out[keys[k]!] = v;
    any = true;
  }
  return any ? out : 0;
}

function encode(p: MimePart): Encoded {
  const e: Encoded = [
    p.headerStart,
    p.bodyStart,
    p.bodyEnd,
    p.header.virtual,
    p.header.lines,
    p.body.virtual,
    p.body.lines,
    p.flags,
    shorten(p.data, DATA_KEYS),
    p.envelope ? shorten(p.envelope, ENVELOPE_KEYS) || {} : 0,
  ];
  if (p.children.length > 0) e.push(p.children.map(encode));
  return e;
}

export function serializeMime(root: MimePart): string {
  return JSON.stringify([FORMAT, encode(root)]);
}

function fail(why: string): never {
  throw new Error(`invalid serialized MIME tree: ${why}`);
}

function int(v: unknown): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) fail("bad number");
  return v;
}

function str(v: unknown): string {
  if (typeof v !== "string") fail("bad string");
  return v;
}

function params(v: unknown): MimeParam[] {
  if (!Array.isArray(v)) fail("bad parameter list");
  return v.map((pair): MimeParam => {
    if (!Array.isArray(pair) || pair.length !== 2) fail("bad parameter");
    return [str(pair[0]), str(pair[1])];
  });
}

function decodeData(v: unknown): PartData {
  if (v === 0) return {};
  if (typeof v !== "object" || v === null) fail("bad part data");
  const o = v as Record<string, unknown>;
  const d: PartData = {};
  for (const [long, short] of Object.entries(DATA_KEYS) as [keyof PartData, string][]) {
    const x = o[short];
    if (x === undefined) continue;
    if (long === "params" || long === "dispositionParams") d[long] = params(x);
    else if (long === "language") d.language = Array.isArray(x) ? x.map(str) : fail("bad language");
    else d[long] = str(x);
  }
  return d;
}

function decodeEnvelope(v: unknown): EnvelopeFields | undefined {
  if (v === 0) return undefined;
  if (typeof v !== "object" || v === null) fail("bad envelope");
  const o = v as Record<string, unknown>;
  const env: EnvelopeFields = {};
  for (const [long, short] of Object.entries(ENVELOPE_KEYS) as [keyof EnvelopeFields, string][]) {
    const x = o[short];
    if (x === undefined) continue;
    if (long === "date" || long === "subject" || long === "inReplyTo" || long === "messageId")
      env[long] = str(x);
    else env[long] = Array.isArray(x) ? x.map(str) : fail("bad address field");
  }
  return env;
}

function decode(e: unknown, depth: number): MimePart {
  if (!Array.isArray(e) || e.length < 10 || e.length > 11) fail("bad part");
  if (depth > 10_000) fail("too deep");
  const [hs, bs, be, hv, hl, bv, bl, flags, data, env, kids] = e as unknown[];
  const headerStart = int(hs);
  const bodyStart = int(bs);
  const bodyEnd = int(be);
  if (bodyStart < headerStart || bodyEnd < bodyStart) fail("offsets out of order");
  const part: MimePart = {
    headerStart,
    bodyStart,
    bodyEnd,
    header: { physical: bodyStart - headerStart, virtual: int(hv), lines: int(hl) },
    body: { physical: bodyEnd - bodyStart, virtual: int(bv), lines: int(bl) },
    flags: int(flags),
    data: decodeData(data),
    children:
      kids === undefined
        ? []
        : Array.isArray(kids)
          ? kids.map((k) => decode(k, depth + 1))
          : fail("bad children"),
  };
  const envelope = decodeEnvelope(env);
  if (envelope) part.envelope = envelope;
  return part;
}

/** Reloads a tree written by `serializeMime`; throws on anything else. */
export function deserializeMime(json: string): MimePart {
  const v: unknown = JSON.parse(json);
  if (!Array.isArray(v) || v.length !== 2 || v[0] !== FORMAT) fail("unknown format");
  return decode(v[1], 0);
}
