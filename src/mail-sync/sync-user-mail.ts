import { isStoreError, type Mailbox, type MessageInfo, StoreError, type UserStore } from "../store/index.js";

/** What a sync reports as it goes (a progress bar on a TTY). */
export interface SyncProgress {
  /** The number of messages to copy, once every mailbox was compared. */
  start(total: number): void;
  /** One more message copied (or found gone from the source meanwhile). */
  step(): void;
}

export interface SyncReport {
  mailboxes: number;
  copied: number;
  flagsUpdated: number;
  expunged: number;
  /** Source messages the target once had but lost: their UIDs are spent there, so they cannot come back. */
  lost: { mailbox: string; uid: number }[];
}

interface MailboxPlan {
  name: string;
  source: Mailbox;
  target: Mailbox;
  copy: MessageInfo[];
}

/**
 * Makes `target` a copy of `source` (doveadm sync's one-way mirror): every mailbox with its
 * UIDVALIDITY, UIDNEXT and messages under the same UIDs, byte for byte, with their flags,
 * keywords and INTERNALDATE, and the subscriptions. Mailboxes are compared by UID, so a sync that
 * was interrupted continues where it stopped, and a second run copies only what changed.
 */
export async function syncUserMail(
  source: UserStore,
  target: UserStore,
  progress?: SyncProgress,
): Promise<SyncReport> {
  const report: SyncReport = { mailboxes: 0, copied: 0, flagsUpdated: 0, expunged: 0, lost: [] };
  const existing = new Set((await target.listMailboxes()).filter((m) => m.selectable).map((m) => m.name));
  const plans: MailboxPlan[] = [];
  for (const listed of await source.listMailboxes()) {
    if (!listed.selectable) continue;
    if (!existing.has(listed.name)) await target.createMailbox(listed.name);
    plans.push(
      await plan(listed.name, await source.openMailbox(listed.name), await target.openMailbox(listed.name)),
    );
  }
  progress?.start(plans.reduce((n, p) => n + p.copy.length, 0));
  for (const p of plans) {
    await mirror(p, report, progress);
    report.mailboxes++;
  }
  await mirrorSubscriptions(source, target);
  return report;
}

/** Gives the target the source's UIDVALIDITY (while it is still empty) and lists what to copy. */
async function plan(name: string, source: Mailbox, target: Mailbox): Promise<MailboxPlan> {
  await source.sync();
  await target.sync();
  if (target.uidValidity !== source.uidValidity) {
    try {
      await target.adoptUids(source.uidValidity, 1);
    } catch (err) {
      if (isStoreError(err) && err.code === "CANNOT") {
        throw new StoreError(
          "CANNOT",
          `${name}: the target mailbox already holds other mail (another UIDVALIDITY)`,
        );
      }
      throw err;
    }
  }
  const have = new Set(target.uids());
  return { name, source, target, copy: source.messages().filter((m) => !have.has(m.uid)) };
}

async function mirror(p: MailboxPlan, report: SyncReport, progress: SyncProgress | undefined): Promise<void> {
  const { source, target } = p;
  for (const message of p.copy) {
    await copyMessage(p, message, report);
    progress?.step();
  }
  const wanted = new Map(source.messages().map((m) => [m.uid, m]));
  const extra: number[] = [];
  for (const have of target.messages()) {
    const want = wanted.get(have.uid);
    if (!want) extra.push(have.uid);
    else if (!sameFlags(want, have)) {
      await target.storeFlags([have.uid], "replace", want.flags, want.keywords);
      report.flagsUpdated++;
    }
  }
  if (extra.length > 0) {
    await target.storeFlags(extra, "add", ["\\Deleted"], []);
    report.expunged += (await target.expunge(extra)).length;
  }
  await target.adoptUids(source.uidValidity, source.status().uidNext);
}

async function copyMessage(p: MailboxPlan, message: MessageInfo, report: SyncReport): Promise<void> {
  if (message.uid < p.target.status().uidNext) {
    report.lost.push({ mailbox: p.name, uid: message.uid });
    return;
  }
  let data: AsyncIterable<Uint8Array>;
  try {
    data = await p.source.read(message.uid, { crlf: false });
  } catch (err) {
    if (isStoreError(err) && err.code === "EXPUNGED") return;
    throw err;
  }
  const saved = await p.target.append(data, {
    uid: message.uid,
    flags: message.flags,
    keywords: message.keywords,
    internalDate: message.internalDate,
  });
  if (saved.uid !== message.uid) {
    // Someone else delivered into the target meanwhile; a new run continues from here.
    throw new StoreError(
      "TEMPFAIL",
      `${p.name}: mail arrived in the target during the sync (UID ${saved.uid})`,
    );
  }
  report.copied++;
}

function sameFlags(a: MessageInfo, b: MessageInfo): boolean {
  const key = (m: MessageInfo) => [...m.flags, ...[...m.keywords].sort()].join(" ");
  return key(a) === key(b);
}

async function mirrorSubscriptions(source: UserStore, target: UserStore): Promise<void> {
  const wanted = new Set(await source.subscriptions());
  const have = new Set(await target.subscriptions());
  for (const name of wanted) if (!have.has(name)) await target.subscribe(name);
  for (const name of have) if (!wanted.has(name)) await target.unsubscribe(name);
}
