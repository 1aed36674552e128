import { isAtomChar } from "./char-classes.js";

export interface CommandHead {
  tag: string | null;
  /** "UID FETCH" style, for error texts. */
  name: string | null;
  /** Upper-cased name without the UID prefix. */
  bareName: string | null;
  uid: boolean;
  /** Offset just past the command name. */
  argsStart: number;
  error: string | null;
}

/** RFC 3501 §9: tag = 1*<any ASTRING-CHAR except "+">. */
function isTagChar(c: number): boolean {
  return (isAtomChar(c) || c === 0x5d) && c !== 0x2b;
}

function word(line: Buffer, start: number): number {
  let i = start;
  while (i < line.length && line[i] !== 0x20) i++;
  return i;
}

function validName(line: Buffer, start: number, end: number): boolean {
  if (end === start) return false;
  for (let i = start; i < end; i++) if (!isAtomChar(line[i]!)) return false;
  return true;
}

/**
 * Tag and command name at the start of a command line, with Dovecot's error texts
 * ("Invalid tag", "Invalid command name"). Like Dovecot, exactly one space separates tag
 * and name.
 */
export function readCommandHead(line: Buffer): CommandHead {
  const head: CommandHead = { tag: null, name: null, bareName: null, uid: false, argsStart: 0, error: null };
  const tagEnd = word(line, 0);
  for (let i = 0; i < tagEnd; i++) if (!isTagChar(line[i]!)) return { ...head, error: "Invalid tag" };
  if (tagEnd === 0) return { ...head, error: "Invalid tag" };
  head.tag = line.toString("latin1", 0, tagEnd);
  let nameStart = tagEnd + 1;
  let nameEnd = word(line, nameStart);
  if (tagEnd === line.length || !validName(line, nameStart, nameEnd))
    return { ...head, error: "Invalid command name" };
  let name = line.toString("latin1", nameStart, nameEnd).toUpperCase();
  if (name === "UID") {
    head.uid = true;
    nameStart = nameEnd + 1;
    nameEnd = word(line, nameStart);
    if (nameEnd === line.length + 1 || !validName(line, nameStart, nameEnd))
      return { ...head, error: "Invalid command name" };
    name = line.toString("latin1", nameStart, nameEnd).toUpperCase();
  }
  return { ...head, bareName: name, name: head.uid ? `UID ${name}` : name, argsStart: nameEnd };
}
