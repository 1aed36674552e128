import { ArgCursor } from "./arg-cursor.js";
import type { Command } from "./command-types.js";
import { defaultReaderLimits } from "./limits.js";
import {
  parseAppend,
  parseList,
  parseLsub,
  parseMailboxOnly,
  parseRename,
  parseSelect,
  parseStatus,
} from "./mailbox-commands.js";
import { parseCopyMove, parseExpunge, parseFetch, parseSearch, parseStore } from "./message-commands.js";
import { commandError, ImapParseError, type ProtocolError } from "./protocol-error.js";
import { displayName, type RawCommand } from "./raw-command.js";
import { parseAuthenticate, parseEnable, parseId, parseLogin, parseNoArgs } from "./session-commands.js";

type Parser = (c: ArgCursor, uid: boolean) => Command;

const PARSERS: Record<string, Parser> = {
  CAPABILITY: (c) => parseNoArgs(c, "CAPABILITY"),
  NOOP: (c) => parseNoArgs(c, "NOOP"),
  LOGOUT: (c) => parseNoArgs(c, "LOGOUT"),
  STARTTLS: (c) => parseNoArgs(c, "STARTTLS"),
  NAMESPACE: (c) => parseNoArgs(c, "NAMESPACE"),
  IDLE: (c) => parseNoArgs(c, "IDLE"),
  CHECK: (c) => parseNoArgs(c, "CHECK"),
  CLOSE: (c) => parseNoArgs(c, "CLOSE"),
  UNSELECT: (c) => parseNoArgs(c, "UNSELECT"),
  AUTHENTICATE: parseAuthenticate,
  LOGIN: parseLogin,
  ID: parseId,
  ENABLE: parseEnable,
  SELECT: (c) => parseSelect(c, "SELECT"),
  EXAMINE: (c) => parseSelect(c, "EXAMINE"),
  CREATE: (c) => parseMailboxOnly(c, "CREATE"),
  DELETE: (c) => parseMailboxOnly(c, "DELETE"),
  SUBSCRIBE: (c) => parseMailboxOnly(c, "SUBSCRIBE"),
  UNSUBSCRIBE: (c) => parseMailboxOnly(c, "UNSUBSCRIBE"),
  RENAME: parseRename,
  LIST: parseList,
  LSUB: parseLsub,
  STATUS: parseStatus,
  APPEND: parseAppend,
  EXPUNGE: parseExpunge,
  SEARCH: parseSearch,
  FETCH: parseFetch,
  STORE: parseStore,
  COPY: (c, uid) => parseCopyMove(c, "COPY", uid),
  MOVE: (c, uid) => parseCopyMove(c, "MOVE", uid),
};

/** Commands that take the UID prefix (RFC 3501 §6.4.8, RFC 4315, RFC 6851). */
const UID_COMMANDS = new Set(["FETCH", "STORE", "COPY", "MOVE", "SEARCH", "EXPUNGE"]);

/** Whether the protocol layer knows the command (before its state is checked). */
export function isKnownCommand(raw: { name: string; uid: boolean }): boolean {
  return raw.name in PARSERS && (!raw.uid || UID_COMMANDS.has(raw.name));
}

export type ParseResult = { ok: true; tag: string; command: Command } | { ok: false; error: ProtocolError };

/**
 * Applies the command's grammar. An unknown command gives Dovecot's "Unknown command";
 * check the session state between isKnownCommand() and this, as Dovecot answers
 * "No mailbox selected" before looking at arguments.
 */
export function parseCommand(raw: RawCommand, maxDepth = defaultReaderLimits.maxDepth): ParseResult {
  const name = displayName(raw);
  if (!isKnownCommand(raw)) return { ok: false, error: commandError(raw.tag, name, "Unknown command") };
  const cursor = new ArgCursor(raw.parts, maxDepth);
  try {
    return { ok: true, tag: raw.tag, command: PARSERS[raw.name]!(cursor, raw.uid) };
  } catch (e) {
    if (e instanceof ImapParseError) return { ok: false, error: commandError(raw.tag, name, e.message) };
    throw e;
  }
}
