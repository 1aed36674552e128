import { MalformedHashError, type PasswordEncoding } from "./types.js";

// Node's base64 decoder skips characters it does not know and accepts missing padding; Dovecot's
// base64_decode() skips only whitespace and wants whole, padded quanta. Loft follows Dovecot, or
// "{SHA}<garbage>" would decode to something.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

export function decodeBase64(text: string): Buffer {
  const compact = text.replace(/[ \t\r\n]/g, "");
  if (!BASE64.test(compact) || compact.length % 4 !== 0) {
    throw new MalformedHashError("Input isn't valid base64 encoded data");
  }
  return Buffer.from(compact, "base64");
}

export function decodeHex(text: string): Buffer {
  if (!HEX.test(text)) throw new MalformedHashError("Input isn't valid HEX encoded data");
  return Buffer.from(text, "hex");
}

export function encodeRaw(raw: Buffer, encoding: PasswordEncoding): string {
  switch (encoding) {
    case "none":
      return raw.toString("utf8");
    case "base64":
      return raw.toString("base64");
    case "hex":
      return raw.toString("hex");
  }
}
