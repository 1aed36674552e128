import { NUL_REPLACEMENT, type Out, type Rfc822Reader } from "./rfc822-tokens.js";

/** A MIME parameter as IMAP shows it: name and value as raw header bytes (binary string). */
export type MimeParam = [name: string, value: string];

interface Continuation {
  key: string;
  value: string;
  idx: number;
  extended: boolean;
}

/**
 * Reads the `; key=value` list after a Content-Type or Content-Disposition value.
 *
 * RFC 2231 continuations (`name*0=`, `name*1*=`) are joined as Dovecot 2.3 joins them: a
 * complete, gap-free sequence becomes one parameter, named `name*` when any piece was
 * extended (charset'language'%XX), with the `%` of unencoded pieces escaped. The charset is
 * not decoded here — IMAP BODYSTRUCTURE shows the parameter this way (see `decodeParamValue`
 * for a decoded view). A broken sequence is passed on piece by piece.
 */
export function parseMimeParams(reader: Rfc822Reader): MimeParam[] {
  const result: MimeParam[] = [];
  const pieces: Continuation[] = [];
  const prevNul = reader.nulReplacement;
  reader.nulReplacement = NUL_REPLACEMENT;
  const value: Out = { v: "" };
  // Dovecot keeps the last index it parsed in a struct it reuses: a bare `name*=` inherits it.
  let idx = 0;
  for (;;) {
    const { ret, key } = reader.parseContentParam(value);
    if (ret === 0) break;
    if (ret < 0 || key === null) {
      if (reader.atEnd) break;
      reader.pos++;
      continue;
    }
    const star = key.indexOf("*");
    let isPiece = false;
    if (star >= 0) {
      let p = star;
      if (p + 1 < key.length) {
        p++;
        idx = 0;
        while (p < key.length && key.charCodeAt(p) >= 0x30 && key.charCodeAt(p) <= 0x39) {
          idx = (idx * 10 + key.charCodeAt(p) - 0x30) >>> 0;
          p++;
        }
      }
      let extended = false;
      if (key[p] === "*") {
        extended = true;
        p++;
      }
      if (p >= key.length) {
        isPiece = true;
        pieces.push({ key: key.slice(0, star), value: value.v, idx, extended });
      }
    }
    if (!isPiece) result.push([key, value.v]);
  }
  reader.nulReplacement = prevNul;
  if (pieces.length === 0) return result;

  pieces.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.idx - b.idx));
  for (let i = 0; i < pieces.length; ) {
    const first = pieces[i]!;
    const lower = first.key.toLowerCase();
    let j = i;
    let ok = true;
    let haveExtended = false;
    let next = 0;
    for (; j < pieces.length && pieces[j]!.key.toLowerCase() === lower; j++) {
      if (pieces[j]!.idx !== next) ok = false;
      if (pieces[j]!.extended) haveExtended = true;
      next++;
    }
    if (!ok) {
      for (let k = i; k < j; k++) {
        const p = pieces[k]!;
        result.push([`${p.key}*${p.idx}${p.extended ? "*" : ""}`, p.value]);
      }
    } else {
      let joined = !first.extended && haveExtended ? "''" : "";
      for (let k = i; k < j; k++) {
        const p = pieces[k]!;
        joined += !p.extended && haveExtended ? p.value.replaceAll("%", "%25") : p.value;
      }
      result.push([haveExtended ? `${first.key}*` : first.key, joined]);
    }
    i = j;
  }
  return result;
}
