import { createHash } from "node:crypto";

// Dovecot's pop3_uidl_format, expanded with Dovecot 2.3's var_expand rules as observed from
// /usr/lib/dovecot/pop3: `%[-][0][offset.][-][0][width][modifiers]<key>`.

/** What a UIDL can be made of (Dovecot's pop3_get_uid table). */
export interface UidlValues {
  uidValidity: number;
  uid: number;
  /** Maildir base file name (everything before `:2,`), Dovecot's storage id. */
  filename: string;
  guid: string;
}

type Key = "v" | "u" | "f" | "g";

interface Variable {
  key: Key;
  modifiers: string[];
  offset: number;
  width: number;
  zeroPad: boolean;
}

type Piece = string | Variable;

const MODIFIERS: Record<string, (value: string) => string> = {
  L: (v) => v.toLowerCase(),
  U: (v) => v.toUpperCase(),
  // strtoull of the whole value, printed with %llx: lowercase, and 0 for anything not a number.
  X: (v) => (/^\d+$/.test(v) ? BigInt(v).toString(16) : "0"),
  R: (v) => [...v].reverse().join(""),
  M: (v) => createHash("md5").update(v).digest("hex"),
  T: (v) => v.replace(/\s+$/, ""),
  E: (v) => v.replace(/["'\\]/g, (c) => `\\${c}`),
};

/** Modifier letters Dovecot knows but Loft does not implement (hashes and domain parts). */
const UNSUPPORTED_MODIFIERS = "HND";

export class UidlFormatError extends Error {}

/** A parsed pop3_uidl_format; parsing fails where Dovecot's pop3 would refuse to list UIDLs. */
export class UidlFormat {
  private constructor(private readonly pieces: Piece[]) {}

  static parse(format: string): UidlFormat {
    const pieces: Piece[] = [];
    let text = "";
    let i = 0;
    const digits = (): number | null => {
      const m = /^\d+/.exec(format.slice(i));
      if (!m) return null;
      i += m[0].length;
      return Number(m[0]);
    };
    while (i < format.length) {
      const c = format[i++]!;
      if (c !== "%") {
        text += c;
        continue;
      }
      if (format[i] === "%") {
        text += "%";
        i++;
        continue;
      }
      let negative = false;
      if (format[i] === "-") {
        negative = true;
        i++;
      }
      let zeroPad = false;
      if (format[i] === "0") {
        zeroPad = true;
        i++;
      }
      let width = digits() ?? 0;
      let offset = 0;
      if (format[i] === ".") {
        i++;
        offset = negative ? -width : width;
        zeroPad = false;
        let negativeWidth = false;
        if (format[i] === "-") {
          negativeWidth = true;
          i++;
        }
        if (format[i] === "0") {
          zeroPad = true;
          i++;
        }
        width = (digits() ?? 0) * (negativeWidth ? -1 : 1);
      }
      const modifiers: string[] = [];
      while (i < format.length && (format[i]! in MODIFIERS || UNSUPPORTED_MODIFIERS.includes(format[i]!))) {
        if (UNSUPPORTED_MODIFIERS.includes(format[i]!))
          throw new UidlFormatError(`modifier %${format[i]} is not supported`);
        modifiers.push(format[i++]!);
      }
      const key = format[i++];
      if (key === "v" || key === "u" || key === "f" || key === "g") {
        if (text !== "") pieces.push(text);
        text = "";
        pieces.push({ key, modifiers, offset, width, zeroPad });
      } else if (key === "m") {
        // Dovecot's Maildir storage has no header MD5: its pop3 fails with "Header MD5 not found".
        throw new UidlFormatError("%m (header MD5) is not available for Maildir, as in Dovecot");
      } else if (key === "{") {
        // Dovecot's pop3 only recognises one-letter keys here ("Invalid pop3_uidl_format").
        throw new UidlFormatError("long variable names (%{...}) are not supported, as in Dovecot's pop3");
      } else {
        throw new UidlFormatError(`unknown variable %${key ?? ""}`);
      }
    }
    if (text !== "") pieces.push(text);
    if (!pieces.some((p) => typeof p !== "string"))
      throw new UidlFormatError("it must contain at least one of %v %u %f %g");
    return new UidlFormat(pieces);
  }

  expand(values: UidlValues): string {
    let out = "";
    for (const piece of this.pieces) {
      if (typeof piece === "string") {
        out += piece;
        continue;
      }
      let value = raw(piece.key, values);
      for (const m of piece.modifiers) value = MODIFIERS[m]!(value);
      if (piece.offset < 0) value = value.slice(Math.max(0, value.length + piece.offset));
      else value = value.slice(piece.offset);
      if (piece.zeroPad && piece.width > value.length) out += "0".repeat(piece.width - value.length);
      if (piece.width > 0) value = value.slice(0, piece.width);
      else if (piece.width < 0) value = value.slice(0, Math.max(0, value.length + piece.width));
      out += value;
    }
    return out;
  }
}

function raw(key: Key, values: UidlValues): string {
  switch (key) {
    case "v":
      return String(values.uidValidity);
    case "u":
      return String(values.uid);
    case "f":
      return values.filename;
    case "g":
      return values.guid;
  }
}
