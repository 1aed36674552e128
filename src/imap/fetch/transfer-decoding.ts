/** Content-Transfer-Encoding decoders for BINARY (RFC 3516), as Dovecot decodes. */

/** Encodings that need no decoding: the bytes are already what BINARY sends. */
const IDENTITY = new Set(["", "7bit", "8bit", "binary"]);

export type Decoding = "identity" | "base64" | "quoted-printable" | "unknown";

export function decodingOf(encoding: string | undefined): Decoding {
  const name = (encoding ?? "").trim().toLowerCase();
  if (IDENTITY.has(name)) return "identity";
  if (name === "base64" || name === "quoted-printable") return name;
  return "unknown";
}

/** Base64 with everything outside the alphabet skipped, up to the first padding. */
function decodeBase64(raw: Buffer): Buffer {
  const text = raw.toString("latin1").replace(/[^A-Za-z0-9+/=]/g, "");
  const end = text.indexOf("=");
  return Buffer.from(end === -1 ? text : text.slice(0, end), "base64");
}

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * RFC 2045 §6.7: `=XX` escapes, soft line breaks (`=` at a line's end) removed, trailing
 * blanks of a line dropped, hard line breaks sent as CRLF. Null for an `=` that escapes
 * nothing: Dovecot refuses such a part rather than guess.
 */
function decodeQuotedPrintable(raw: Buffer): Buffer | null {
  let invalid = false;
  // decoded bytes never outnumber the input's, plus a CR for each LF
  const out = Buffer.allocUnsafe(raw.length * 2);
  let n = 0;
  const lines = raw.toString("latin1").split("\n");
  lines.forEach((full, i) => {
    const last = i === lines.length - 1;
    let line = full.endsWith("\r") ? full.slice(0, -1) : full;
    line = line.replace(/[ \t]+$/, "");
    let soft = false;
    for (let j = 0; j < line.length; j++) {
      const c = line.charCodeAt(j);
      if (c !== 0x3d) {
        out[n++] = c;
        continue;
      }
      if (j === line.length - 1) {
        soft = true;
        break;
      }
      const hi = hex(line.charCodeAt(j + 1));
      const lo = hex(line.charCodeAt(j + 2));
      if (hi >= 0 && lo >= 0) {
        out[n++] = hi * 16 + lo;
        j += 2;
      } else {
        invalid = true;
      }
    }
    if (!last && !soft) {
      out[n++] = 0x0d;
      out[n++] = 0x0a;
    }
  });
  return invalid ? null : Buffer.from(out.subarray(0, n));
}

/** The decoded body, or null when it is not valid in its encoding. */
export function decodeBody(raw: Buffer, decoding: "base64" | "quoted-printable"): Buffer | null {
  return decoding === "base64" ? decodeBase64(raw) : decodeQuotedPrintable(raw);
}
