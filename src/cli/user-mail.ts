import type { Command } from "commander";
import { PasswdFile, type UserInfo, userInfo } from "../auth/index.js";
import {
  EX_CANTCREAT,
  EX_DATAERR,
  EX_NOINPUT,
  EX_NOPERM,
  EX_NOUSER,
  EX_SOFTWARE,
  EX_TEMPFAIL,
  ExitError,
} from "../exit-codes/index.js";
import {
  type Mailbox,
  type MessageInfo,
  StoreError,
  type StoreErrorCode,
  type UserStore,
} from "../store/index.js";
import { openUserMail } from "../user-mail/index.js";
import { type CommandContext, commandContext } from "./context.js";
import { matches, parseQuery, QueryMessage, requiredMailboxes } from "./mail-query.js";

/** How store failures end an admin command (sysexits, as doveadm's callers expect). */
const EXIT_CODES: Record<StoreErrorCode, number> = {
  NONEXISTENT: EX_NOINPUT,
  EXPUNGED: EX_NOINPUT,
  ALREADYEXISTS: EX_CANTCREAT,
  BADNAME: EX_DATAERR,
  LIMIT: EX_DATAERR,
  CANNOT: EX_DATAERR,
  OVERQUOTA: EX_CANTCREAT,
  INUSE: EX_TEMPFAIL,
  TEMPFAIL: EX_TEMPFAIL,
  NOPERM: EX_NOPERM,
  CORRUPT: EX_SOFTWARE,
};

/**
 * Looks the user up in the userdb and opens their mail as delivery and the protocols do (config's
 * separator, special-use mailboxes and quota); run as root, created files belong to the user.
 */
export async function withUserStore<T>(
  cmd: Command,
  user: string,
  work: (store: UserStore, user: UserInfo, ctx: CommandContext) => Promise<T>,
): Promise<T> {
  const ctx = commandContext(cmd);
  const entry = PasswdFile.load(ctx.passwdPath, ctx.log).lookup(user);
  if (!entry) throw new ExitError(`no user ${user} in ${ctx.passwdPath}`, EX_NOUSER);
  const info = userInfo(entry, { mailLocation: ctx.loaded.config.mail_location });
  let store: UserStore | undefined;
  try {
    store = await openUserMail(info, ctx.loaded.config, ctx.log);
    return await work(store, info, ctx);
  } catch (err) {
    if (err instanceof StoreError) throw new ExitError(err.message, EXIT_CODES[err.code]);
    throw err;
  } finally {
    store?.close();
  }
}

export interface FoundMessage {
  mailbox: Mailbox;
  info: MessageInfo;
  /** Sequence number in its mailbox. */
  seq: number;
}

/** Every message matching a doveadm search query, mailbox by mailbox in list order. */
export async function searchMessages(store: UserStore, query: readonly string[]): Promise<FoundMessage[]> {
  const node = parseQuery(query);
  const patterns = requiredMailboxes(node);
  const found: FoundMessage[] = [];
  for (const listed of await store.listMailboxes()) {
    if (!listed.selectable || !patterns.every((p) => p.test(listed.name))) continue;
    const mailbox = await store.openMailbox(listed.name);
    const recent = new Set(mailbox.recentUids());
    const messages = mailbox.messages();
    for (const [i, info] of messages.entries()) {
      if (await matches(node, new QueryMessage(mailbox, info, i + 1, recent.has(info.uid)))) {
        found.push({ mailbox, info, seq: i + 1 });
      }
    }
  }
  return found;
}

/** Rows as doveadm's tab formatter prints them (a header line), or a JSON array with --json. */
export function printRows(
  fields: readonly string[],
  rows: readonly Record<string, string | number>[],
  json: boolean,
): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  // Control characters are escaped so that one message stays one line (header folding, bodies).
  const cell = (v: string | number) =>
    String(v).replace(/[\t\n\r]/g, (c) => ({ "\t": "\\t", "\n": "\\n", "\r": "\\r" })[c]!);
  let out = `${fields.join("\t")}\n`;
  for (const row of rows) out += `${fields.map((f) => cell(row[f] ?? "")).join("\t")}\n`;
  process.stdout.write(out);
}

/** Groups matches by mailbox, keeping list order. */
export function byMailbox(found: readonly FoundMessage[]): [Mailbox, number[]][] {
  const groups = new Map<string, [Mailbox, number[]]>();
  for (const f of found) {
    const group = groups.get(f.mailbox.name) ?? [f.mailbox, []];
    group[1].push(f.info.uid);
    groups.set(f.mailbox.name, group);
  }
  return [...groups.values()];
}
