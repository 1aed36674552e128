// Seeded generator of messages with random, often broken, MIME structure, for the
// differential test against Dovecot. Output is bytes; the same seed gives the same messages.

export type Rand = () => number;

export function mulberry32(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const chance = (r: Rand, p: number): boolean => r() < p;
const int = (r: Rand, max: number): number => Math.floor(r() * (max + 1));

const ADDRESSES = [
  "user@example.com",
  '"Doe, Jane" <jane@example.com>',
  "Plain Name <plain@example.org>",
  "=?utf-8?q?J=C3=BCrgen?= <j@example.de>",
  'team: a@example.com, "B" <b@example.com>;',
  "undisclosed-recipients:;",
  "<@r1,@r2:routed@example.net>",
  "x@example.com (Comment Name)",
  "broken <no-at-sign>",
  '"quoted local"@example.com',
  "@nolocal.example",
  "trailing@",
  "J\xfcrgen <j@example.de>",
  "lit@[192.0.2.7]",
  "a@example.com, b@example.com",
  "<>",
  "Name Only",
  '"Esc \\" \\\\ q" <e@example.com>',
  "dots..x@example.com",
  "a@b.example,",
];

const WORDS = [
  "hello",
  "world",
  "=?utf-8?b?w6k=?=",
  "=?iso-8859-1?q?caf=E9?=",
  '"q"',
  "back\\slash",
  "\t",
  "  ",
  "caf\xe9",
  "x",
  "\0",
];

function subject(r: Rand): string {
  const n = int(r, 6);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(pick(r, WORDS));
  return words.join(pick(r, [" ", " ", "  ", "\t"]));
}

const BOUNDARIES = ["b", "b2", "bound", "=_Part_1", "same", "x y", "b-", ""];

interface Ctx {
  r: Rand;
  nl: () => string;
  depth: number;
}

function fold(ctx: Ctx, field: string, value: string): string {
  const name = chance(ctx.r, 0.1)
    ? pick(ctx.r, [field.toLowerCase(), field.toUpperCase(), `${field} `])
    : field;
  if (!chance(ctx.r, 0.15)) return `${name}: ${value}${ctx.nl()}`;
  return `${name}:${ctx.nl()}${pick(ctx.r, [" ", "\t", "  "])}${value}${ctx.nl()}`;
}

function contentType(ctx: Ctx, kind: string, boundary: string): string {
  const r = ctx.r;
  switch (kind) {
    case "multipart": {
      const sub = pick(r, ["mixed", "alternative", "related", "digest", "MIXED"]);
      const b = pick(r, [`"${boundary}"`, boundary.includes(" ") ? `"${boundary}"` : boundary]);
      if (chance(r, 0.05)) return `multipart/${sub}`;
      return pick(r, [
        `multipart/${sub}; boundary=${b}`,
        `multipart/${sub};${ctx.nl()} boundary=${b}`,
        `Multipart/${sub} (c); BOUNDARY=${b}; x=y`,
        `multipart/${sub}; boundary*0="${boundary.slice(0, 1)}"; boundary*1="${boundary.slice(1)}"`,
        `multipart/${sub}; boundary*=''${boundary}`,
      ]);
    }
    case "rfc822":
      return pick(r, ["message/rfc822", "MESSAGE/RFC822; name=fwd.eml"]);
    case "app":
      return pick(r, [
        "application/octet-stream; name*0*=utf-8''%E2%82%AC; name*1=\"x.bin\"",
        'application/pdf; name="a b.pdf"',
        "image/png",
        "application/x-test; a*1=one; a*0=zero",
        "text",
        "text/plain garbage",
        "; charset=utf-8",
      ]);
    default:
      return pick(r, [
        "text/plain",
        "text/plain; charset=utf-8",
        'text/html; charset="ISO-8859-1"; format=flowed',
        "TEXT/PLAIN;CHARSET=us-ascii",
        "text/plain; charset=us-ascii; format=flowed",
      ]);
  }
}

function mimeHeaders(ctx: Ctx, kind: string, boundary: string, isMessage: boolean): string {
  const r = ctx.r;
  const lines: string[] = [];
  if (isMessage) {
    if (chance(r, 0.8)) lines.push(fold(ctx, "From", pick(r, ADDRESSES)));
    if (chance(r, 0.7)) lines.push(fold(ctx, "To", pick(r, ADDRESSES)));
    if (chance(r, 0.3)) lines.push(fold(ctx, "Cc", pick(r, ADDRESSES)));
    if (chance(r, 0.15)) lines.push(fold(ctx, pick(r, ["Reply-To", "Sender", "Bcc"]), pick(r, ADDRESSES)));
    if (chance(r, 0.8)) lines.push(fold(ctx, "Subject", subject(r)));
    if (chance(r, 0.6)) lines.push(fold(ctx, "Date", "Mon, 1 Jan 2024 10:00:00 +0000"));
    if (chance(r, 0.5))
      lines.push(fold(ctx, "Message-ID", pick(r, ["<id@example.com>", '<"q\\"x"@example.com>'])));
    if (chance(r, 0.2)) lines.push(fold(ctx, "In-Reply-To", "<parent@example.com>"));
    if (chance(r, 0.1)) lines.push(fold(ctx, "Subject", subject(r)));
    if (chance(r, 0.6)) lines.push(`MIME-Version: 1.0${ctx.nl()}`);
  }
  if (kind !== "none") lines.push(fold(ctx, "Content-Type", contentType(ctx, kind, boundary)));
  if (chance(r, 0.25))
    lines.push(
      fold(ctx, "Content-Transfer-Encoding", pick(r, ["base64", "QUOTED-PRINTABLE", "7bit (c)", "x y"])),
    );
  if (chance(r, 0.2))
    lines.push(
      fold(
        ctx,
        "Content-Disposition",
        pick(r, ["inline", 'attachment; filename="f.txt"', "attachment; filename*=utf-8''%C3%A9.txt", ""]),
      ),
    );
  if (chance(r, 0.1)) lines.push(fold(ctx, "Content-ID", "<cid@example.com>"));
  if (chance(r, 0.08))
    lines.push(fold(ctx, "Content-Description", pick(r, ["a description", "t\xe9st", "with\ttab"])));
  if (chance(r, 0.06)) lines.push(fold(ctx, "Content-Language", pick(r, ["en", "en-US, de", ""])));
  if (chance(r, 0.05)) lines.push(fold(ctx, "Content-Location", "http://example.com/x"));
  if (chance(r, 0.05)) lines.push(fold(ctx, "Content-MD5", "Q2hlY2s="));
  if (chance(r, 0.04)) lines.push(`line without colon${ctx.nl()}`);
  for (let i = lines.length - 1; i > 0; i--) {
    if (!chance(r, 0.2)) continue;
    const j = int(r, i);
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
  }
  return lines.join("");
}

function textBody(ctx: Ctx, boundaries: string[]): string {
  const r = ctx.r;
  let out = "";
  const n = int(r, 4);
  for (let i = 0; i < n; i++) {
    out += pick(r, [
      "plain text line",
      "",
      "-- signature",
      `--${pick(r, boundaries.length > 0 ? boundaries : ["z"])}x`,
      "caf\xe9 \0 nul",
      "=E9 qp",
      " leading space",
      "--",
    ]);
    if (i < n - 1 || chance(r, 0.8)) out += ctx.nl();
  }
  return out;
}

function part(ctx: Ctx, boundaries: string[], isMessage: boolean, inDigest: boolean): string {
  const r = ctx.r;
  const kinds =
    ctx.depth >= 4
      ? ["text", "app", "none"]
      : ["text", "text", "app", "none", "multipart", "multipart", "rfc822"];
  let kind = pick(r, kinds);
  if (inDigest && chance(r, 0.5)) kind = "none";
  const boundary = chance(r, 0.2) && boundaries.length > 0 ? pick(r, boundaries) : pick(r, BOUNDARIES);
  let out = mimeHeaders(ctx, kind, boundary, isMessage);
  if (!chance(r, 0.05)) out += ctx.nl();
  const inner: Ctx = { ...ctx, depth: ctx.depth + 1 };
  if (kind === "multipart") {
    const digest = /digest/i.test(out);
    if (chance(r, 0.3)) out += `preamble${ctx.nl()}`;
    const n = int(r, 3);
    const all = [...boundaries, boundary];
    for (let i = 0; i < n; i++) {
      out += `--${boundary}${chance(r, 0.1) ? pick(r, ["  ", "junk", "-"]) : ""}${ctx.nl()}`;
      out += part(inner, all, false, digest);
      out += ctx.nl();
    }
    if (chance(r, 0.85)) out += `--${boundary}--${ctx.nl()}`;
    if (chance(r, 0.3)) out += `epilogue${ctx.nl()}`;
  } else if (kind === "rfc822" || (kind === "none" && inDigest && chance(r, 0.7))) {
    out += part(inner, boundaries, true, false);
  } else {
    out += textBody(ctx, boundaries);
  }
  return out;
}

export function generateMessage(r: Rand): Buffer {
  const style = pick(r, ["lf", "lf", "crlf", "mixed"]);
  const nl = () => (style === "lf" ? "\n" : style === "crlf" ? "\r\n" : chance(r, 0.5) ? "\n" : "\r\n");
  return Buffer.from(part({ r, nl, depth: 0 }, [], true, false), "latin1");
}

const TOKENS = [
  "a",
  "user",
  "example.com",
  " ",
  "  ",
  "\t",
  "\n ",
  "<",
  ">",
  "@",
  ",",
  ":",
  ";",
  ".",
  "..",
  '"',
  '"q s"',
  '"\\"e\\\\"',
  "(c)",
  "(n(e)st)",
  "(",
  ")",
  "[1.2.3.4]",
  "[",
  "]",
  "\\",
  "=",
  "*",
  "*0*",
  "*1",
  "'",
  "%41",
  "/",
  "?",
  "-",
  "=?utf-8?q?x?=",
  "\xe9",
  "\0",
];

function soup(r: Rand, max: number): string {
  let out = "";
  const n = int(r, max);
  for (let i = 0; i < n; i++) out += pick(r, TOKENS);
  return out;
}

const SOUP_FIELDS = [
  "From",
  "To",
  "Cc",
  "Bcc",
  "Sender",
  "Reply-To",
  "Subject",
  "Date",
  "Message-ID",
  "In-Reply-To",
  "Content-Type",
  "Content-Disposition",
  "Content-Language",
  "Content-Transfer-Encoding",
  "Content-ID",
  "Content-Description",
  "Content-Location",
  "Content-MD5",
  "MIME-Version",
];

/** A one-part message whose header values are random token soup. */
export function generateHeaderSoup(r: Rand): Buffer {
  const nl = chance(r, 0.7) ? "\n" : "\r\n";
  let out = "";
  const n = 1 + int(r, 8);
  for (let i = 0; i < n; i++) {
    const name = pick(r, SOUP_FIELDS);
    let value = soup(r, 12);
    if (name === "Content-Type" && chance(r, 0.6))
      value = `${pick(r, ["text/plain", "application/x", "multipart/mixed", "text", "message/rfc822"])}${value}`;
    if (name === "Content-Disposition" && chance(r, 0.6)) value = `attachment;${value}`;
    out += `${name}:${chance(r, 0.8) ? " " : ""}${value.replaceAll("\n", nl)}${nl}`;
  }
  return Buffer.from(`${out}${nl}body${nl}`, "latin1");
}

/** Messages past Dovecot's limits: 10,000 parts, 100 levels of nesting. */
export function limitMessages(): { name: string; bytes: Buffer }[] {
  let many = "Content-Type: multipart/mixed; boundary=a\n\n";
  for (let i = 0; i < 10_005; i++) many += `--a\nContent-Type: text/plain\n\nx${i}\n`;
  many += "--a--\n";
  let deep = "";
  for (let i = 0; i < 110; i++) deep += `Subject: level ${i}\nContent-Type: message/rfc822\n\n`;
  deep += "Subject: bottom\n\nbody\n";
  let mixed = "Content-Type: multipart/mixed; boundary=a\n\n";
  for (let i = 0; i < 60; i++) {
    mixed += `--a\nContent-Type: message/rfc822\n\nSubject: m${i}\nContent-Type: multipart/mixed; boundary=b${i}\n\n--b${i}\n`;
  }
  mixed += "\ndeep\n";
  return [
    { name: "10,005 parts", bytes: Buffer.from(many) },
    { name: "110 nested message/rfc822", bytes: Buffer.from(deep) },
    { name: "multipart and message/rfc822 nested 120 deep", bytes: Buffer.from(mixed) },
  ];
}

const SOUP_LINES = [
  "",
  "",
  " ",
  "--a",
  "--a--",
  "--a-",
  "--a--x",
  "--ab",
  "--b",
  "--b--",
  "--",
  "-",
  "--a \t",
  "Content-Type: multipart/mixed; boundary=a",
  "Content-Type: multipart/alternative; boundary=ab",
  "Content-Type: multipart/digest; boundary=b",
  "Content-Type: message/rfc822",
  "Content-Type: text/plain",
  "Content-Type: text",
  "MIME-Version: 1.0",
  "Subject: x",
  "From: a@b",
  " continued",
  "\tcontinued",
  "body text",
  "no colon",
  `--${"a".repeat(84)}`,
  "x\0y",
];

/** Random lines from a pool of structure-bearing ones, with random line ends. */
export function generateLineSoup(r: Rand): Buffer {
  let out = pick(r, ["Content-Type: multipart/mixed; boundary=a\n\n", "MIME-Version: 1.0\n", ""]);
  const n = int(r, 40);
  for (let i = 0; i < n; i++) {
    out += pick(r, SOUP_LINES);
    out += i === n - 1 && chance(r, 0.3) ? "" : pick(r, ["\n", "\n", "\r\n", "\r", "\r\r\n"]);
  }
  return Buffer.from(out, "latin1");
}
