import libmime from "libmime";
import { EX_USAGE, ExitError } from "../exit-codes/index.js";
import { type Mailbox, type MessageInfo, parseSystemFlag } from "../store/index.js";

/**
 * doveadm's search query (doveadm-search-query(7)): IMAP SEARCH keys, case-insensitive, ANDed,
 * with `OR a b`, `NOT a`, parentheses, `mailbox NAME` (with * and % wildcards) and `uid SET`.
 */
export type QueryNode =
  | { kind: "all" }
  | { kind: "and"; items: QueryNode[] }
  | { kind: "or"; left: QueryNode; right: QueryNode }
  | { kind: "not"; item: QueryNode }
  | { kind: "mailbox"; pattern: RegExp }
  | { kind: "uid"; ranges: [number, number][] }
  | { kind: "seq"; ranges: [number, number][] }
  | { kind: "flag"; flag: string; set: boolean }
  | { kind: "keyword"; name: string; set: boolean }
  | { kind: "recent"; set: boolean }
  | { kind: "size"; larger: boolean; bytes: number }
  | { kind: "date"; field: "received" | "saved"; op: "before" | "on" | "since"; day: number }
  | { kind: "header"; name: string; text: string }
  | { kind: "body"; text: string; withHeader: boolean }
  | { kind: "guid"; guid: string };

function usage(message: string): never {
  throw new ExitError(`search query: ${message}`, EX_USAGE);
}

function parseSet(text: string): [number, number][] | undefined {
  if (!/^(\d+|\*)(:(\d+|\*))?(,(\d+|\*)(:(\d+|\*))?)*$/.test(text)) return undefined;
  return text.split(",").map((part) => {
    const [a, b = a] = part.split(":");
    const n = (x: string) => (x === "*" ? Number.MAX_SAFE_INTEGER : Number(x));
    const [lo, hi] = [n(a!), n(b!)];
    return lo <= hi ? [lo, hi] : [hi, lo];
  });
}

/** Days since the epoch (UTC) from YYYY-MM-DD, an IMAP date (1-Jan-2024) or an interval back from now (30d, 2w). */
function parseDay(text: string): number {
  const interval = /^(\d+)(secs?|mins?|hours?|days?|weeks?|[smhdw])$/i.exec(text);
  let ms: number;
  if (interval) {
    const unit = interval[2]!.toLowerCase()[0]!;
    const seconds = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[unit] ?? 86400;
    ms = Date.now() - Number(interval[1]) * seconds * 1000;
  } else {
    ms = Date.parse(/^\d{4}-\d\d-\d\d$/.test(text) ? `${text}T00:00:00Z` : `${text} 00:00:00 UTC`);
  }
  if (Number.isNaN(ms)) usage(`bad date ${JSON.stringify(text)}`);
  return Math.floor(ms / 86_400_000);
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/%/g, "[^/]*");
  // INBOX is case-insensitive.
  return new RegExp(`^${escaped}$`, /^inbox$/i.test(pattern) ? "i" : "");
}

const SIMPLE_FLAGS: Record<string, [string, boolean]> = {
  answered: ["\\Answered", true],
  unanswered: ["\\Answered", false],
  deleted: ["\\Deleted", true],
  undeleted: ["\\Deleted", false],
  draft: ["\\Draft", true],
  undraft: ["\\Draft", false],
  flagged: ["\\Flagged", true],
  unflagged: ["\\Flagged", false],
  seen: ["\\Seen", true],
  unseen: ["\\Seen", false],
};

export function parseQuery(args: readonly string[]): QueryNode {
  let pos = 0;
  const take = (what: string): string => {
    const token = args[pos++];
    if (token === undefined) usage(`${what} expected`);
    return token;
  };
  const key = (): QueryNode => {
    const token = take("search key");
    const lower = token.toLowerCase();
    if (token === "(") {
      const items: QueryNode[] = [];
      while (args[pos] !== ")") {
        if (pos >= args.length) usage("missing )");
        items.push(key());
      }
      pos++;
      return { kind: "and", items };
    }
    const simple = SIMPLE_FLAGS[lower];
    if (simple) return { kind: "flag", flag: simple[0], set: simple[1] };
    switch (lower) {
      case "all":
        return { kind: "all" };
      case "not":
        return { kind: "not", item: key() };
      case "or":
        return { kind: "or", left: key(), right: key() };
      case "mailbox":
        return { kind: "mailbox", pattern: wildcard(take("mailbox name")) };
      case "uid": {
        const set = take("UID set");
        return { kind: "uid", ranges: parseSet(set) ?? usage(`bad UID set ${set}`) };
      }
      case "guid":
        return { kind: "guid", guid: take("GUID") };
      case "keyword":
      case "unkeyword":
        return { kind: "keyword", name: take("keyword"), set: lower === "keyword" };
      case "recent":
      case "new":
        return { kind: "recent", set: true };
      case "old":
        return { kind: "recent", set: false };
      case "larger":
      case "smaller": {
        const n = take("size");
        if (!/^\d+$/.test(n)) usage(`bad size ${n}`);
        return { kind: "size", larger: lower === "larger", bytes: Number(n) };
      }
      case "before":
      case "on":
      case "since":
        return { kind: "date", field: "received", op: lower, day: parseDay(take("date")) };
      case "savedbefore":
      case "savedon":
      case "savedsince":
        return {
          kind: "date",
          field: "saved",
          op: lower.slice(5) as "before" | "on" | "since",
          day: parseDay(take("date")),
        };
      case "subject":
      case "from":
      case "to":
      case "cc":
      case "bcc":
        return { kind: "header", name: lower, text: take("text") };
      case "header":
        return { kind: "header", name: take("header name").toLowerCase(), text: take("text") };
      case "body":
        return { kind: "body", text: take("text"), withHeader: false };
      case "text":
        return { kind: "body", text: take("text"), withHeader: true };
    }
    const seq = parseSet(token);
    if (seq) return { kind: "seq", ranges: seq };
    return usage(`unknown search key ${JSON.stringify(token)}`);
  };
  const items: QueryNode[] = [];
  while (pos < args.length) items.push(key());
  if (items.length === 0) usage("empty query (use `all`)");
  return items.length === 1 ? items[0]! : { kind: "and", items };
}

/** The mailbox patterns every match must satisfy (top-level `mailbox` keys), to skip other mailboxes. */
export function requiredMailboxes(node: QueryNode): RegExp[] {
  if (node.kind === "mailbox") return [node.pattern];
  if (node.kind === "and") return node.items.flatMap(requiredMailboxes);
  return [];
}

/** One message under test, with its header and text read only if a key needs them. */
export class QueryMessage {
  private header: string | undefined;

  constructor(
    readonly mailbox: Mailbox,
    readonly info: MessageInfo,
    readonly seq: number,
    readonly recent: boolean,
  ) {}

  /** The stored bytes (an admin search reads the whole message, as doveadm does without FTS). */
  async bytes(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.mailbox.read(this.info.uid, { crlf: false }))
      chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async headerText(): Promise<string> {
    if (this.header === undefined) {
      const part = await this.mailbox.structure(this.info.uid);
      const chunks: Buffer[] = [];
      // An empty message has no header to read (a range ending at -1 is no range at all).
      if (part.bodyStart > 0) {
        const stream = await this.mailbox.read(this.info.uid, {
          crlf: false,
          start: 0,
          end: part.bodyStart - 1,
        });
        for await (const chunk of stream) chunks.push(chunk as Buffer);
      }
      this.header = Buffer.concat(chunks).toString("utf8");
    }
    return this.header;
  }

  /** Unfolded, RFC 2047-decoded values of one header field. */
  async headerValues(name: string): Promise<string[]> {
    const unfolded = (await this.headerText()).replace(/\r?\n[ \t]/g, " ");
    const values: string[] = [];
    for (const line of unfolded.split(/\r?\n/)) {
      const colon = line.indexOf(":");
      if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name) {
        values.push(libmime.decodeWords(line.slice(colon + 1).trim()));
      }
    }
    return values;
  }
}

function inRanges(n: number, ranges: [number, number][]): boolean {
  return ranges.some(([lo, hi]) => n >= lo && n <= hi);
}

export async function matches(node: QueryNode, m: QueryMessage): Promise<boolean> {
  switch (node.kind) {
    case "all":
      return true;
    case "and":
      for (const item of node.items) if (!(await matches(item, m))) return false;
      return true;
    case "or":
      return (await matches(node.left, m)) || (await matches(node.right, m));
    case "not":
      return !(await matches(node.item, m));
    case "mailbox":
      return node.pattern.test(m.mailbox.name);
    case "uid":
      return inRanges(m.info.uid, node.ranges);
    case "seq":
      return inRanges(m.seq, node.ranges);
    case "guid":
      return m.info.guid === node.guid;
    case "flag":
      return m.info.flags.includes(parseSystemFlag(node.flag)!) === node.set;
    case "keyword":
      return m.info.keywords.some((k) => k.toLowerCase() === node.name.toLowerCase()) === node.set;
    case "recent":
      return m.recent === node.set;
    case "size":
      return node.larger ? m.info.vsize > node.bytes : m.info.vsize < node.bytes;
    case "date": {
      const day = Math.floor(
        (node.field === "received" ? m.info.internalDate : m.info.savedDate).getTime() / 86_400_000,
      );
      return node.op === "before" ? day < node.day : node.op === "on" ? day === node.day : day >= node.day;
    }
    case "header": {
      const needle = node.text.toLowerCase();
      return (await m.headerValues(node.name)).some((v) => v.toLowerCase().includes(needle));
    }
    case "body": {
      const bytes = await m.bytes();
      const start = node.withHeader ? 0 : (await m.mailbox.structure(m.info.uid)).bodyStart;
      return bytes.subarray(start).toString("utf8").toLowerCase().includes(node.text.toLowerCase());
    }
  }
}
