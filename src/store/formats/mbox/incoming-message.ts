import { DROPPED_ON_SAVE, splitHeaderFields } from "./mbox-headers.js";

/** A header this large without an empty line is taken as body, so a header-less message cannot fill memory. */
const MAX_HEADER_BYTES = 1024 * 1024;

/** CRLF → LF across chunk boundaries: Dovecot stores mbox messages with LF line ends (§2.4). */
async function* toLf(data: AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<Buffer> {
  const chunks = data instanceof Uint8Array ? [data] : data;
  let pendingCr = false;
  for await (const chunk of chunks) {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (pendingCr) buf = Buffer.concat([Buffer.from("\r"), buf]);
    pendingCr = buf.length > 0 && buf[buf.length - 1] === 0x0d;
    if (pendingCr) buf = buf.subarray(0, -1);
    if (buf.includes(0x0d)) buf = Buffer.from(buf.toString("latin1").replace(/\r\n/g, "\n"), "latin1");
    if (buf.length > 0) yield buf;
  }
  if (pendingCr) yield Buffer.from("\r");
}

export interface IncomingMessage {
  /** The header fields kept (state headers and `From ` lines dropped, §3.1), ending in LF. */
  header: Buffer;
  /** The body with LF line ends, ending in LF unless empty (Dovecot adds the missing one). */
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
  const source = toLf(data);
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
    let last = -1;
    if (rest && rest.length > 0) {
      last = rest[rest.length - 1]!;
      yield rest;
    }
    for await (const chunk of source) {
      last = chunk[chunk.length - 1]!;
      yield chunk;
    }
    if (last !== -1 && last !== 0x0a) yield Buffer.from("\n");
  };
  return { header: keptHeader(head), body: body() };
}
