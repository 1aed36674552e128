// Message bytes as stored: the header block replaced when editheader changed it (RFC 5293),
// the body untouched.
import type { SieveRunResult } from "../sieve/index.js";

export type HeaderField = NonNullable<SieveRunResult["editedHeaders"]>[number];

/** Offset of the body: just past the first empty line (CRLF or bare LF), or the end. */
export function bodyOffset(message: Buffer): number {
  if (message.subarray(0, 2).toString("latin1") === "\r\n") return 2;
  if (message[0] === 0x0a) return 1;
  const crlf = message.indexOf("\r\n\r\n");
  const lf = message.indexOf("\n\n");
  const ends = [crlf < 0 ? -1 : crlf + 4, lf < 0 ? -1 : lf + 2].filter((i) => i >= 0);
  return ends.length === 0 ? message.length : Math.min(...ends);
}

/** The message with its header block replaced by `headers` (held as latin1 code units). */
export function withHeaders(message: Buffer, headers: HeaderField[]): Buffer {
  const head = headers.map((h) => `${h.name}: ${h.raw}\r\n`).join("");
  return Buffer.concat([Buffer.from(`${head}\r\n`, "latin1"), message.subarray(bodyOffset(message))]);
}

/** The first header field of that name, unfolded and trimmed (latin1 code units); null when absent. */
export function headerValue(message: Buffer, name: string): string | null {
  const head = message.subarray(0, bodyOffset(message)).toString("latin1");
  const re = new RegExp(`^${name.replace(/[^A-Za-z0-9-]/g, "")}[ \\t]*:(.*(?:\\r?\\n[ \\t].*)*)`, "im");
  const m = re.exec(head);
  return m === null ? null : m[1]!.replace(/\r?\n(?=[ \t])/g, "").trim();
}
