// Server responses (RFC 5804 §4): OK/NO/BYE with an optional response code and a human text.

/** A string the server sends: quoted when that is safe, else a literal. */
export function encodeString(value: string | Buffer): Buffer {
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
  const text = bytes.toString("utf8");
  const quotable = bytes.length <= 1024 && !/[\r\n\0]/.test(text) && Buffer.from(text, "utf8").equals(bytes);
  if (quotable) return Buffer.from(`"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`, "utf8");
  return Buffer.concat([Buffer.from(`{${bytes.length}}\r\n`), bytes]);
}

export type Status = "OK" | "NO" | "BYE";

/** `OK (CODE) "text"`; the code may carry a string argument, as TAG and SASL do. */
export function response(status: Status, text: string, code?: string, codeArg?: string): Buffer {
  const parts: Buffer[] = [Buffer.from(status)];
  if (code) {
    const arg =
      codeArg === undefined ? Buffer.alloc(0) : Buffer.concat([Buffer.from(" "), encodeString(codeArg)]);
    parts.push(Buffer.from(` (${code}`), arg, Buffer.from(")"));
  }
  if (text !== "") parts.push(Buffer.from(" "), encodeString(text));
  parts.push(Buffer.from("\r\n"));
  return Buffer.concat(parts);
}
