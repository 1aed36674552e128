// Differential test: ENVELOPE, BODYSTRUCTURE, BODY and RFC822.SIZE computed by Loft for every
// message of test/fixtures/mime/ must equal what Dovecot's own imap process answers for the
// same Maildir, byte for byte (including its choice of quoted string or literal).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import {
  bodystructure,
  envelope,
  filterHeaderFields,
  imapBytes,
  locateSection,
  type MimePart,
  parseMime,
  type SectionText,
} from "../../src/mime/index.js";
import {
  generateHeaderSoup,
  generateLineSoup,
  generateMessage,
  limitMessages,
  mulberry32,
} from "./mime-generator.js";

const IMAP_BIN = "/usr/lib/dovecot/imap";
const FIXTURES = new URL("../fixtures/mime/", import.meta.url).pathname;
const MAIL_UID = 8; // Debian's "mail" account: Dovecot refuses to run as root

interface FetchItems {
  [item: string]: string;
}

/** Reads one IMAP value (atom, quoted, literal or parenthesised list) and returns its end. */
function skipValue(buf: Buffer, pos: number): number {
  const c = buf[pos];
  if (c === 0x22) {
    pos++;
    while (buf[pos] !== 0x22) pos += buf[pos] === 0x5c ? 2 : 1;
    return pos + 1;
  }
  if (c === 0x7b) {
    const close = buf.indexOf("}", pos);
    const n = Number(buf.toString("latin1", pos + 1, close));
    return close + 3 + n;
  }
  if (c === 0x28) {
    pos++;
    while (buf[pos] !== 0x29) {
      if (buf[pos] === 0x20) pos++;
      else pos = skipValue(buf, pos);
    }
    return pos + 1;
  }
  while (pos < buf.length && ![0x20, 0x28, 0x29, 0x0d].includes(buf[pos]!)) pos++;
  return pos;
}

/** The items of every untagged FETCH response, as raw latin1 text. */
function parseFetches(out: Buffer): FetchItems[] {
  const result: FetchItems[] = [];
  let pos = 0;
  for (;;) {
    const m = /\* \d+ FETCH \(/.exec(out.toString("latin1", pos));
    if (!m) break;
    pos += m.index + m[0].length;
    const items: FetchItems = {};
    while (out[pos] !== 0x29) {
      if (out[pos] === 0x20) {
        pos++;
        continue;
      }
      // a section name may hold spaces: BODY[HEADER.FIELDS (FROM TO)]
      const bracket = out.indexOf("[", pos);
      const space = out.indexOf(" ", pos);
      const nameEnd = bracket >= 0 && bracket < space ? out.indexOf(" ", out.indexOf("]", bracket)) : space;
      const name = out.toString("latin1", pos, nameEnd);
      const valueEnd = skipValue(out, nameEnd + 1);
      items[name] = out.toString("latin1", nameEnd + 1, valueEnd);
      pos = valueEnd;
    }
    result.push(items);
  }
  return result;
}

function runDovecot(home: string, conf: string, items: string): Promise<Buffer> {
  const asRoot = process.getuid?.() === 0;
  const env = { ...process.env, USER: asRoot ? "mail" : (process.env.USER ?? "loft"), HOME: home };
  const cmd = asRoot ? "setpriv" : IMAP_BIN;
  const args = asRoot
    ? ["--reuid=mail", "--regid=mail", "--clear-groups", IMAP_BIN, "-c", conf]
    : ["-c", conf];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    let tail = "";
    let fetched = false;
    child.stdout.on("data", (c: Buffer) => {
      chunks.push(c);
      // Dovecot drops output it has not sent yet when the client logs out or closes stdin:
      // LOGOUT only once FETCH is answered, and close stdin only once LOGOUT is.
      tail = (tail + c.toString("latin1")).slice(-200);
      if (!fetched && /\r\na (OK|NO|BAD)/.test(tail)) {
        fetched = true;
        child.stdin.write("b LOGOUT\r\n");
      }
      if (tail.includes("\r\nb OK")) child.stdin.end();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const out = Buffer.concat(chunks);
      if (!out.includes("a OK"))
        reject(new Error(`dovecot imap exited ${code}: ${stderr}\n${out.toString()}`));
      else resolve(out);
    });
    child.stdin.write(`x EXAMINE INBOX\r\na UID FETCH 1:* (UID ${items})\r\n`);
  });
}

function chownTree(path: string): void {
  chownSync(path, MAIL_UID, MAIL_UID);
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) chownTree(p);
    else chownSync(p, MAIL_UID, MAIL_UID);
  }
}

/** Where the two answers first differ, with some context. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 40);
  return `at byte ${i}:\n  loft:    ${JSON.stringify(a.slice(from, i + 60))}\n  dovecot: ${JSON.stringify(b.slice(from, i + 60))}`;
}

interface Message {
  name: string;
  bytes: Buffer;
}

/**
 * Puts the messages in a throwaway Maildir, fetches `items` through Dovecot and calls
 * `check` per message with Dovecot's answer (raw text of each item).
 */
async function withDovecot(
  t: TestContext,
  messages: Message[],
  items: string,
  check: (message: Message, theirs: FetchItems) => void | Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "loft-mime-dovecot-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const home = join(dir, "home");
  const maildir = join(home, "Maildir");
  for (const sub of ["cur", "new", "tmp"]) mkdirSync(join(maildir, sub), { recursive: true });
  const byBase = new Map<string, Message>();
  messages.forEach((m, i) => {
    const base = `${1_000_000_000 + i}.M${i}P1.loft`;
    byBase.set(base, m);
    writeFileSync(join(maildir, "cur", `${base}:2,`), m.bytes);
  });
  const conf = join(dir, "dovecot.conf");
  writeFileSync(
    conf,
    [
      `base_dir = ${dir}/run`,
      `state_dir = ${dir}/state`,
      "log_path = /dev/stderr",
      `mail_location = maildir:${maildir}`,
      "protocols = imap",
      "ssl = no",
      // answer every message from its file: Dovecot's field cache can change HEADER.FIELDS of
      // a header without blank line (no blank line is sent when served from the cache)
      "mail_never_cache_fields = *",
      "",
    ].join("\n"),
  );
  if (process.getuid?.() === 0) chownTree(dir);

  const out = await runDovecot(home, conf, items);
  const fetches = parseFetches(out);
  assert.equal(fetches.length, messages.length, "Dovecot answered for every message");

  // UIDs were assigned by Dovecot: map them back to files through its uidlist
  const uidToBase = new Map<string, string>();
  for (const line of readFileSync(join(maildir, "dovecot-uidlist"), "latin1").split("\n").slice(1)) {
    const m = /^(\d+) .*?:(.+)$/.exec(line);
    if (m) uidToBase.set(m[1]!, m[2]!);
  }

  for (const items of fetches) {
    const message = byBase.get(uidToBase.get(items.UID!)!);
    assert.ok(message, `UID ${items.UID} maps to a message`);
    await t.test(message.name, () => check(message, items));
  }
}

/** Loft's ENVELOPE, BODYSTRUCTURE, BODY and RFC822.SIZE must equal Dovecot's byte for byte. */
function compareStructure(t: TestContext, messages: Message[]): Promise<void> {
  return withDovecot(t, messages, "ENVELOPE BODYSTRUCTURE BODY RFC822.SIZE", (message, items) => {
    const root = parseMime(message.bytes);
    const mine: FetchItems = {
      ENVELOPE: envelope(root),
      BODYSTRUCTURE: bodystructure(root, true),
      BODY: bodystructure(root, false),
      "RFC822.SIZE": String(root.header.virtual + root.body.virtual),
    };
    for (const item of ["RFC822.SIZE", "ENVELOPE", "BODYSTRUCTURE", "BODY"]) {
      const theirs = items[item]!;
      assert.ok(mine[item] === theirs, `${item} differs ${firstDifference(mine[item]!, theirs)}`);
    }
  });
}

const haveDovecot = existsSync(IMAP_BIN);

test("ENVELOPE, BODYSTRUCTURE and BODY equal Dovecot's for every fixture", {
  skip: !haveDovecot,
}, async (t) => {
  const fixtures = readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".eml"))
    .sort();
  assert.ok(fixtures.length >= 40, "the corpus has at least 40 messages");
  await compareStructure(
    t,
    fixtures.map((name) => ({ name, bytes: readFileSync(join(FIXTURES, name)) })),
  );
});

// LOFT_MIME_SEED=n explores other structures; the default seed keeps CI reproducible.
const SEED = Number(process.env.LOFT_MIME_SEED ?? 20240101);

test(`generated structures (seed ${SEED}) and the parser limits equal Dovecot's`, {
  skip: !haveDovecot,
}, async (t) => {
  const rand = mulberry32(SEED);
  const generators = [generateMessage, generateHeaderSoup, generateLineSoup];
  const messages = Array.from({ length: 450 }, (_, i) => ({
    name: `generated #${i} (seed ${SEED})`,
    bytes: generators[i % 3]!(rand),
  }));
  await compareStructure(t, [...messages, ...limitMessages()]);
});

interface Section {
  path: number[];
  text: SectionText;
  fields?: string[];
  partial?: [start: number, length: number];
}

const SECTIONS: Section[] = [
  { path: [], text: "" },
  { path: [], text: "HEADER" },
  { path: [], text: "TEXT" },
  { path: [1], text: "" },
  { path: [1], text: "MIME" },
  { path: [1], text: "HEADER" },
  { path: [2], text: "" },
  { path: [2], text: "MIME" },
  { path: [2], text: "HEADER" },
  { path: [2], text: "TEXT" },
  { path: [1, 1], text: "" },
  { path: [2, 1], text: "" },
  { path: [2, 2], text: "MIME" },
  { path: [1, 2, 1], text: "" },
  { path: [4], text: "" },
  { path: [], text: "HEADER.FIELDS", fields: ["FROM", "SUBJECT", "CONTENT-TYPE"] },
  { path: [], text: "HEADER.FIELDS.NOT", fields: ["FROM", "SUBJECT"] },
  { path: [2], text: "HEADER.FIELDS", fields: ["SUBJECT", "TO"] },
  { path: [], text: "", partial: [5, 40] },
  { path: [], text: "TEXT", partial: [3, 100_000] },
  { path: [1], text: "", partial: [1, 9] },
  { path: [2], text: "", partial: [4, 1] },
];

/** The section as Dovecot names it in its answer, and as requested (with <start.length>). */
function sectionName({ path, text, fields, partial }: Section, request = false): string {
  const spec = [...path.map(String), ...(text === "" ? [] : [text])].join(".");
  const range = partial ? (request ? `<${partial[0]}.${partial[1]}>` : `<${partial[0]}>`) : "";
  return `${request ? "BODY.PEEK" : "BODY"}[${spec}${fields ? ` (${fields.join(" ")})` : ""}]${range}`;
}

/** What Loft sends for a section: the located bytes converted as IMAP sends them. */
async function mySection(msg: Buffer, root: MimePart, section: Section): Promise<Buffer> {
  const { path, text, fields, partial } = section;
  const range = locateSection(root, path, text);
  if (!range) return Buffer.alloc(0);
  if (fields) {
    const bytes = filterHeaderFields(msg, fields, {
      not: text === "HEADER.FIELDS.NOT",
      topLevel: path.length === 0,
      from: range.start,
    });
    return Buffer.from(bytes.map((b) => (b === 0 ? 0x80 : b)));
  }
  // feed the range in small pieces so that line ends split across chunks are exercised
  const pieces: Buffer[] = [];
  for (let i = range.start; i < range.end; i += 7) pieces.push(msg.subarray(i, Math.min(i + 7, range.end)));
  const out: Buffer[] = [];
  for await (const b of imapBytes(pieces, partial ? { skip: partial[0], limit: partial[1] } : {}))
    out.push(b);
  const bytes = Buffer.concat(out);
  if (!partial) assert.equal(bytes.length, range.size, "the range's size is what is sent");
  return bytes;
}

/** The string inside an IMAP string value (literal or quoted), as latin1. */
function stringValue(value: string): string {
  const m = /^\{(\d+)\}\r\n/.exec(value);
  if (m) return value.slice(m[0].length);
  if (value === "NIL") return "";
  return value.slice(1, -1).replace(/\\(.)/g, "$1");
}

test("BODY[section] byte ranges give what Dovecot sends", { skip: !haveDovecot }, async (t) => {
  const rand = mulberry32(SEED + 1);
  const messages = [
    ...readdirSync(FIXTURES)
      .filter((f) => f.endsWith(".eml"))
      .sort()
      .map((name) => ({ name, bytes: readFileSync(join(FIXTURES, name)) })),
    ...Array.from({ length: 150 }, (_, i) => ({
      name: `generated #${i} (seed ${SEED + 1})`,
      bytes: generateMessage(rand),
    })),
  ];
  const items = SECTIONS.map((s) => sectionName(s, true)).join(" ");
  await withDovecot(t, messages, items, async (message, theirs) => {
    const root = parseMime(message.bytes);
    for (const section of SECTIONS) {
      const name = sectionName(section);
      const mine = (await mySection(message.bytes, root, section)).toString("latin1");
      const their = stringValue(theirs[name] ?? "NIL");
      assert.ok(mine === their, `${name} differs ${firstDifference(mine, their)}`);
    }
  });
});
