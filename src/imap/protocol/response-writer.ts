import type { Writable } from "node:stream";
import { type ResponsePart, StreamedBody } from "./fetch-response.js";

/**
 * A streamed body yielded a different number of bytes than announced. With too few the
 * literal is unfinished and the client is out of step: close the connection (Dovecot
 * disconnects too). Extra bytes are cut off, so the framing holds.
 */
export class BodySizeMismatchError extends Error {
  override readonly name = "BodySizeMismatchError";
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`streamed body had ${actual > expected ? "more" : "fewer"} bytes than the ${expected} announced`);
  }
}

function waitDrain(sink: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      sink.off("drain", done);
      sink.off("close", done);
      if (sink.destroyed) reject(new Error("connection closed while writing"));
      else resolve();
    };
    sink.on("drain", done);
    sink.on("close", done);
  });
}

async function write(sink: Writable, chunk: Uint8Array): Promise<void> {
  if (sink.destroyed) throw new Error("connection closed while writing");
  if (!sink.write(chunk)) await waitDrain(sink);
}

/** Writes a response, streaming bodies with back-pressure. */
export async function writeResponse(sink: Writable, parts: readonly ResponsePart[]): Promise<void> {
  for (const part of parts) {
    if (!(part instanceof StreamedBody)) {
      await write(sink, part);
      continue;
    }
    let sent = 0;
    let extra = 0;
    for await (const chunk of part.source) {
      const room = part.size - sent;
      if (chunk.length > room) extra += chunk.length - room;
      const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
      if (piece.length > 0) await write(sink, piece);
      sent += piece.length;
    }
    if (sent < part.size || extra > 0) throw new BodySizeMismatchError(part.size, sent + extra);
  }
}
