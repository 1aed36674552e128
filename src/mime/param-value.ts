import { iconv, libmime } from "./charset-libs.js";
import type { MimeParam } from "./rfc2231.js";

function bytesToText(bytes: Buffer, charset: string): string {
  if (charset !== "" && iconv().encodingExists(charset)) return iconv().decode(bytes, charset);
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
}

/** Raw header bytes as text: UTF-8 when valid, else latin1; RFC 2047 encoded words decoded. */
function headerText(raw: string): string {
  const bytes = Buffer.from(raw, "latin1");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = raw;
  }
  return text.includes("=?") ? libmime().decodeWords(text) : text;
}

/**
 * The decoded value of a Content-Type or Content-Disposition parameter, for display and
 * filtering (Sieve, attachment names) — IMAP shows parameters undecoded. An RFC 2231
 * `name*=charset'lang'%XX` value wins over a plain `name=`; a plain value may carry
 * RFC 2047 encoded words, as many mailers write filenames.
 */
export function paramValue(params: readonly MimeParam[] | undefined, name: string): string | undefined {
  if (!params) return undefined;
  const lower = name.toLowerCase();
  const extended = params.find(([k]) => k.toLowerCase() === `${lower}*`);
  if (extended) {
    const v = extended[1];
    const q1 = v.indexOf("'");
    const q2 = q1 < 0 ? -1 : v.indexOf("'", q1 + 1);
    if (q2 >= 0) {
      const charset = v.slice(0, q1);
      const encoded = v
        .slice(q2 + 1)
        .replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      return bytesToText(Buffer.from(encoded, "latin1"), charset);
    }
  }
  const plain = params.find(([k]) => k.toLowerCase() === lower);
  return plain ? headerText(plain[1]) : undefined;
}
