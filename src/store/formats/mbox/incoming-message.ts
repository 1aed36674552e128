import { crlfToLf } from "../../crlf-stream.js";
import { DROPPED_ON_SAVE, splitHeaderFields } from "./mbox-headers.js";

/** A header this large without an empty line is taken as body, so a header-less message cannot fill memory. */
const MAX_HEADER_BYTES = 1024 * 1024;

/**
 * Body lines beginning with `From ` get a `>` (mboxo quoting). Dovecot writes them unquoted and
 * relies on Content-Length (storage-mbox.md §2.4), but readers that split on every `From ` line
 * (Python's mailbox, c-client, formail) then cut the message in two; RFC 4155 (Appendix A)
 * describes the quoting as the common practice for the default mbox format, and Postfix local,
 * procmail and mutt write it too, so we follow the RFC here. Like Dovecot we never unquote on read.
 */
function fromQuoter(): { push(chunk: Buffer): Buffer; end(): Buffer } {
  let carry = "";
  let atLineStart = true;
  return {
    push(chunk) {
      let text = carry + chunk.toString("latin1");
      carry = "";
      // A line start too short to tell yet waits for the next chunk.
      const lineStart = text.lastIndexOf("\n") + 1;
      const tail = text.slice(lineStart);
      if ((lineStart > 0 || atLineStart) && tail.length > 0 && tail.length < 5 && "From ".startsWith(tail)) {
        carry = tail;
        text = text.slice(0, lineStart);
      }
      if (text.length === 0) return Buffer.alloc(0);
      let out = text.replace(/\nFrom /g, "\n>From ");
      if (atLineStart && out.startsWith("From ")) out = `>${out}`;
      atLineStart = carry !== "" || out.endsWith("\n");
      return Buffer.from(out, "latin1");
    },
    end() {
      return Buffer.from(carry, "latin1");
    },
  };
}

export interface IncomingMessage {
  /** The header fields kept (state headers and `From ` lines dropped, §3.1), ending in LF. */
  header: Buffer;
  /** The body with LF line ends and `From ` lines quoted, ending in LF unless empty (Dovecot adds the missing one). */
  body: AsyncGenerator<Buffer>;
}

function keptHeader(block: Buffer): Buffer {
  const kept = splitHeaderFields(block).filter((f) => {
    if (f.raw.subarray(0, 5).toString("latin1") === "From ") return false;
    return f.name === undefined || !DROPPED_ON_SAVE.has(f.name);
  });
  const header = Buffer.concat(kept.map((f) => f.raw));
  return header.length > 0 && header[header.length - 1] !== 0x0a
    ? Buffer.concat([header, Buffer.from("\n")])
    : header;
}

/** Splits an incoming message into the header to store and a stream of its body. */
export async function readIncoming(data: AsyncIterable<Uint8Array> | Uint8Array): Promise<IncomingMessage> {
  const source = crlfToLf(data);
  let head = Buffer.alloc(0);
  let rest: Buffer | undefined;
  for (;;) {
    const next = await source.next();
    if (next.done) break;
    head = Buffer.concat([head, next.value]);
    const start = head[0] === 0x0a ? 0 : head.indexOf("\n\n");
    if (start >= 0) {
      const cut = head[0] === 0x0a ? 0 : start + 1;
      rest = head.subarray(cut + 1);
      head = head.subarray(0, cut);
      break;
    }
    if (head.length > MAX_HEADER_BYTES) {
      rest = head;
      head = Buffer.alloc(0);
      break;
    }
  }
  const body = async function* (): AsyncGenerator<Buffer> {
    const quoter = fromQuoter();
    let last = -1;
    const chunks = async function* () {
      if (rest && rest.length > 0) yield rest;
      yield* source;
    };
    for await (const chunk of chunks()) {
      const out = quoter.push(chunk);
      if (out.length === 0) continue;
      last = out[out.length - 1]!;
      yield out;
    }
    const tail = quoter.end();
    if (tail.length > 0) {
      last = tail[tail.length - 1]!;
      yield tail;
    }
    if (last !== -1 && last !== 0x0a) yield Buffer.from("\n");
  };
  return { header: keptHeader(head), body: body() };
}
