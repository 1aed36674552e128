/**
 * A command as framed off the wire, before its grammar is applied: tag, name, and the
 * argument bytes as line pieces with the literals between them. Line pieces have their
 * CRLF and the literal marker (`{5}`, `{5+}`, `~{5}`) removed; the first piece starts
 * right after the command name.
 */
export type CommandPart =
  | { kind: "line"; bytes: Buffer }
  | { kind: "literal"; bytes: Buffer; binary: boolean }
  /** A literal delivered to the caller as chunks (reader events), not kept here. */
  | { kind: "streamed"; size: number; binary: boolean };

export interface RawCommand {
  tag: string;
  /** Upper-cased name without the UID prefix ("FETCH" for `UID FETCH`). */
  name: string;
  uid: boolean;
  parts: CommandPart[];
}

/** "UID FETCH" or "FETCH": the name as Dovecot shows it in error texts. */
export function displayName(cmd: { name: string; uid: boolean }): string {
  return cmd.uid ? `UID ${cmd.name}` : cmd.name;
}

/** Literal marker that ended a line piece. */
export interface LiteralHeader {
  size: number;
  /** `{n}` waits for a continuation request; `{n+}` does not (RFC 7888). */
  sync: boolean;
  /** `~{n}`: literal8, may hold NULs (RFC 3516 §4.2). */
  binary: boolean;
}
