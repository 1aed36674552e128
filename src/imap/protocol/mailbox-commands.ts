import { parseAppendHead } from "./append-prefix.js";
import type { ArgCursor } from "./arg-cursor.js";
import { isListChar } from "./char-classes.js";
import type { Command, ListReturn, ListSelection } from "./command-types.js";
import { parseStatusItems } from "./status-items.js";

/** Grammar of the commands that name mailboxes (RFC 3501 §6.3 and extensions). */

function mailboxArg(c: ArgCursor): string {
  c.sp();
  return c.astring();
}

/** select-params = SP "(" select-param *(SP select-param) ")" (RFC 4466 §2.5). */
export function parseSelect(c: ArgCursor, name: "SELECT" | "EXAMINE"): Command {
  // Dovecot's text for a SELECT without a mailbox
  if (c.atEnd()) c.fail("Invalid arguments");
  const mailbox = mailboxArg(c);
  let condstore = false;
  if (c.moreArgs()) {
    c.openList();
    if (c.listEmpty()) c.fail("Invalid arguments");
    do {
      const param = c.atom().toUpperCase();
      if (param !== "CONDSTORE") c.fail(`Unknown ${name} parameter ${param}`);
      condstore = true;
    } while (!c.listNext());
  }
  c.end();
  return { name, mailbox, condstore };
}

export function parseMailboxOnly(
  c: ArgCursor,
  name: "CREATE" | "DELETE" | "SUBSCRIBE" | "UNSUBSCRIBE",
): Command {
  const mailbox = mailboxArg(c);
  c.end();
  return { name, mailbox };
}

export function parseRename(c: ArgCursor): Command {
  const mailbox = mailboxArg(c);
  const newName = mailboxArg(c);
  c.end();
  return { name: "RENAME", mailbox, newName };
}

/** list-mailbox = 1*list-char / string */
function listMailbox(c: ArgCursor): string {
  if (c.peek() === 0x22 || c.atLiteral()) return c.string();
  const s = c.take(isListChar);
  if (s === "") c.fail(c.atEnd() ? "Missing arguments" : "Invalid pattern");
  return s;
}

function listSelection(c: ArgCursor): ListSelection {
  const sel: ListSelection = { subscribed: false, remote: false, recursiveMatch: false, specialUse: false };
  c.openList();
  if (c.listEmpty()) return sel;
  do {
    const opt = c.atom("Unknown select options").toUpperCase();
    if (opt === "SUBSCRIBED") sel.subscribed = true;
    else if (opt === "REMOTE") sel.remote = true;
    else if (opt === "RECURSIVEMATCH") sel.recursiveMatch = true;
    else if (opt === "SPECIAL-USE") sel.specialUse = true;
    else c.fail("Unknown select options");
  } while (!c.listNext());
  // RFC 5258 §3.1: RECURSIVEMATCH needs another option that it modifies
  if (sel.recursiveMatch && !sel.subscribed && !sel.specialUse) c.fail("RECURSIVEMATCH must not be alone");
  return sel;
}

function listReturn(c: ArgCursor): ListReturn {
  const ret: ListReturn = { subscribed: false, children: false, specialUse: false, status: null };
  c.openList();
  if (c.listEmpty()) return ret;
  do {
    const opt = c.atom("Unknown return options").toUpperCase();
    if (opt === "SUBSCRIBED") ret.subscribed = true;
    else if (opt === "CHILDREN") ret.children = true;
    else if (opt === "SPECIAL-USE") ret.specialUse = true;
    else if (opt === "STATUS") {
      c.sp();
      ret.status = parseStatusItems(c);
    } else c.fail("Unknown return options");
  } while (!c.listNext());
  return ret;
}

/**
 * list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
 * (RFC 5258 §6), which includes RFC 3501's LIST.
 */
export function parseList(c: ArgCursor): Command {
  c.sp();
  let extended = false;
  let selection: ListSelection = {
    subscribed: false,
    remote: false,
    recursiveMatch: false,
    specialUse: false,
  };
  if (c.peek() === 0x28) {
    extended = true;
    selection = listSelection(c);
    c.sp();
  }
  const reference = c.astring();
  if (c.atEnd()) c.fail("Invalid pattern");
  c.sp();
  const patterns: string[] = [];
  if (c.peek() === 0x28) {
    extended = true;
    c.openList();
    if (c.listEmpty()) c.fail("Invalid pattern");
    do patterns.push(listMailbox(c));
    while (!c.listNext());
  } else {
    patterns.push(listMailbox(c));
  }
  let returns: ListReturn = { subscribed: false, children: false, specialUse: false, status: null };
  if (c.moreArgs()) {
    if (!c.tryKeyword("RETURN")) c.fail("Invalid arguments");
    extended = true;
    c.sp();
    returns = listReturn(c);
  }
  c.end();
  return { name: "LIST", reference, patterns, selection, returns, extended };
}

export function parseLsub(c: ArgCursor): Command {
  c.sp();
  const reference = c.astring();
  c.sp();
  const pattern = listMailbox(c);
  c.end();
  return { name: "LSUB", reference, pattern };
}

export function parseStatus(c: ArgCursor): Command {
  const mailbox = mailboxArg(c);
  c.sp();
  const items = parseStatusItems(c);
  c.end();
  return { name: "STATUS", mailbox, items };
}

/** append = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP (literal / literal8) */
export function parseAppend(c: ArgCursor): Command {
  const head = parseAppendHead(c);
  const message = c.messageLiteral();
  c.end();
  return { name: "APPEND", ...head, message };
}
