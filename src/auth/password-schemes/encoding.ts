import { MalformedHashError, type PasswordEncoding } from "./types.js";

// Node's base64 decoder skips characters it does not know; Dovecot's rejects them, and so must
// Loft, or "{SHA}<garbage>" would decode to something.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

export function decodeBase64(text: string): Buffer {
  if (!BASE64.test(text) || text.length % 4 === 1 || (text.includes("=") && text.length % 4 !== 0)) {
    throw new MalformedHashError("Input isn't valid base64 encoded data");
  }
  return Buffer.from(text, "base64");
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
