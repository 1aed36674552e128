/**
 * Header fields of a header block as raw bytes, split with the same rules the structure
 * parser uses: a line starting with SP or TAB continues the field before it, a line
 * without a colon is a field whose whole line is the name, the first empty line ends the
 * header.
 */
export interface HeaderField {
  /** the name as written (binary string), without trailing blanks before the colon */
  name: string;
  /** offset of the field's first byte */
  start: number;
  /** offset just after the colon (equal to `end` for a line without colon) */
  valueStart: number;
  /** offset after the field's last line end */
  end: number;
}

export function headerFields(header: Uint8Array, from = 0, to = header.length): HeaderField[] {
  const buf = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
  const fields: HeaderField[] = [];
  let pos = from;
  while (pos < to) {
    const lf = buf.indexOf(0x0a, pos);
    const lineEnd = lf < 0 || lf >= to ? to : lf + 1;
    const first = buf[pos];
    if (first === 0x0a || (first === 0x0d && buf[pos + 1] === 0x0a)) break;
    const last = fields[fields.length - 1];
    if ((first === 0x20 || first === 0x09) && last) {
      last.end = lineEnd;
    } else {
      let colon = buf.indexOf(0x3a, pos);
      if (colon < 0 || colon >= lineEnd) colon = -1;
      let contentEnd = lineEnd;
      if (buf[contentEnd - 1] === 0x0a) contentEnd--;
      if (colon < 0 && buf[contentEnd - 1] === 0x0d) contentEnd--;
      let nameEnd = colon < 0 ? contentEnd : colon;
      while (nameEnd > pos && (buf[nameEnd - 1] === 0x20 || buf[nameEnd - 1] === 0x09)) nameEnd--;
      fields.push({
        name: buf.toString("latin1", pos, nameEnd),
        start: pos,
        valueStart: colon < 0 ? lineEnd : colon + 1,
        end: lineEnd,
      });
    }
    pos = lineEnd;
  }
  return fields;
}

/** The raw values (bytes after the colon, folding kept, final line end dropped) of a field. */
export function headerValues(header: Uint8Array, name: string, from = 0, to = header.length): Buffer[] {
  const buf = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
  const want = name.toLowerCase();
  return headerFields(buf, from, to)
    .filter((f) => f.name.toLowerCase() === want)
    .map((f) => {
      let end = f.end;
      if (buf[end - 1] === 0x0a) end--;
      if (buf[end - 1] === 0x0d) end--;
      return buf.subarray(f.valueStart, Math.max(f.valueStart, end));
    });
}

export interface HeaderFilter {
  /** HEADER.FIELDS.NOT: keep the fields not named */
  not?: boolean;
  /** BODY[HEADER.FIELDS] of the message itself, without part number */
  topLevel?: boolean;
  /** where the header starts in the buffer (a part's headerStart) */
  from?: number;
}

/**
 * BODY[...HEADER.FIELDS (names)] and HEADER.FIELDS.NOT, line ends as CRLF, as Dovecot
 * answers them. Like Dovecot's header filter, it reads from the header start up to the
 * first empty line (or the end of the buffer), which for a header that a boundary cut short
 * lies beyond the part's bodyStart: pass the bytes up to the end of the enclosing message.
 * It sends the kept fields as stored, then that empty line. Only the top-level
 * HEADER.FIELDS (Dovecot serves it from its header lookup) ends every field with a line
 * end and always adds the empty line.
 */
export function filterHeaderFields(
  header: Uint8Array,
  names: readonly string[],
  filter: HeaderFilter = {},
): Buffer {
  const buf = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
  const { not = false, from = 0 } = filter;
  const complete = filter.topLevel === true && !not;
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const out: Buffer[] = [];
  const fields = headerFields(buf, from);
  for (const f of fields) {
    if (wanted.has(f.name.toLowerCase()) === not) continue;
    const bytes = toCrlf(buf.subarray(f.start, f.end));
    out.push(bytes);
    if (complete && bytes[bytes.length - 1] !== 0x0a) out.push(CRLF);
  }
  if (complete) {
    out.push(CRLF);
  } else {
    const end = fields.length > 0 ? fields[fields.length - 1]!.end : from;
    if (buf[end] === 0x0a) out.push(CRLF);
    else if (buf[end] === 0x0d && buf[end + 1] === 0x0a) out.push(CRLF);
  }
  return Buffer.concat(out);
}

const CRLF = Buffer.from("\r\n");

/**
 * Stored bytes as IMAP sends them: every bare LF becomes CRLF (what Dovecot does for
 * Maildir files written with LF). The result is `size` bytes long for a SectionRange.
 */
export function toCrlf(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const lf = bytes.indexOf(0x0a, pos);
    if (lf < 0) break;
    if (lf > 0 && bytes[lf - 1] === 0x0d) {
      parts.push(bytes.subarray(pos, lf + 1));
    } else {
      parts.push(bytes.subarray(pos, lf), CRLF);
    }
    pos = lf + 1;
  }
  if (parts.length === 0) return bytes;
  parts.push(bytes.subarray(pos));
  return Buffer.concat(parts);
}
