// Carries out a recipient's Sieve actions: stores first (what must be durable before the
// reply), then the mail sent on the script's behalf. A redirect that cannot be sent keeps a
// copy, so nothing is lost.
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { JsonValue, SieveAction } from "../sieve/index.js";
import {
  isStoreError,
  isValidKeyword,
  type MailDrop,
  parseSystemFlag,
  type SystemFlag,
} from "../store/index.js";
import { notificationMail, rejectionMail, vacationReply } from "./compose.js";
import { headerValue } from "./edited-message.js";
import type { MailSender } from "./sendmail.js";
import type { TrackingStore } from "./tracking-store.js";
import type { RecipientOutcome } from "./types.js";

export interface CarryOutContext {
  store: MailDrop;
  tracking: TrackingStore;
  sender: MailSender;
  log: Logger;
  /** The bytes to store (trace headers and header edits applied). */
  data: Buffer;
  /** The message as received, for redirects, replies and rejections. */
  original: Buffer;
  envelopeFrom: string;
  recipient: string;
  defaultMailbox: string;
  autocreate: boolean;
  rejectBy: "reply" | "mail";
  hostname: string;
  postmaster: string;
  now: Date;
}

/**
 * Copies stored by a delivery that then failed are remembered this long (longer than an MTA
 * retries: Postfix gives up after 5 days).
 */
const PARTIAL_COPY_SECONDS = 7 * 86400;

/** A redirect of the same message to the same address within this time is a loop (Pigeonhole: 12 h). */
const REDIRECT_LOOP_SECONDS = 12 * 3600;

function str(v: JsonValue | undefined): string | null {
  return typeof v === "string" ? v : null;
}

function splitFlags(flags: JsonValue | undefined): { flags: SystemFlag[]; keywords: string[] } {
  const out = { flags: [] as SystemFlag[], keywords: [] as string[] };
  if (!Array.isArray(flags)) return out;
  for (const f of flags) {
    if (typeof f !== "string") continue;
    const system = parseSystemFlag(f);
    if (system !== undefined) out.flags.push(system);
    // Pigeonhole drops keywords that are not valid IMAP atoms (with a warning).
    else if (isValidKeyword(f)) out.keywords.push(f);
  }
  return out;
}

/** Thrown to end the recipient with this outcome. */
export class OutcomeError extends Error {
  constructor(readonly outcome: RecipientOutcome) {
    super(outcome.status);
  }
}

async function save(
  c: CarryOutContext,
  mailbox: string,
  data: Buffer,
  flags: JsonValue | undefined,
  create: boolean,
): Promise<string> {
  const options = { ...splitFlags(flags), envelopeSender: c.envelopeFrom };
  try {
    await c.store.deliver(mailbox, data, options);
    return mailbox;
  } catch (err) {
    if (!isStoreError(err, "NONEXISTENT")) throw err;
  }
  if (create || c.autocreate) {
    try {
      await c.store.createMailbox(mailbox);
    } catch (e) {
      if (!isStoreError(e, "ALREADYEXISTS")) throw e;
    }
    await c.store.deliver(mailbox, data, options);
    return mailbox;
  }
  // Dovecot: "save failed to open mailbox …", then the message goes to INBOX.
  c.log.warn({ mailbox }, "mailbox does not exist; delivering to INBOX");
  await c.store.deliver("INBOX", data, options);
  return "INBOX";
}

function storeFailure(err: unknown): RecipientOutcome {
  if (isStoreError(err, "OVERQUOTA")) return { status: "over-quota", message: err.message };
  return { status: "tempfail", message: (err as Error).message };
}

/**
 * Several copies (keep and fileinto, or fileinto :copy) are stored one after another, and a
 * failure after the first would leave it stored while the MTA is told to retry: Dovecot then
 * stores it again. Here each copy of a multi-copy delivery is recorded in the tracking store,
 * keyed by the exact bytes received, the recipient and the mailbox; the retry (same bytes) skips
 * the copies recorded, and a delivery that completes forgets its records, so a later identical
 * message is stored normally. A single copy needs none of this: it is stored or not.
 */
function partialCopies(c: CarryOutContext, actions: SieveAction[]) {
  const copies = actions.filter((a) => a.type === "keep" || a.type === "fileinto").length;
  if (copies < 2) return null;
  const message = createHash("sha256").update(c.original).digest("hex");
  const key = (mailbox: string) =>
    createHash("sha256").update(`${message}\0${c.recipient.toLowerCase()}\0${mailbox}`).digest("hex");
  const recorded: string[] = [];
  return {
    stored: (mailbox: string) => c.tracking.seen("partial-copy", key(mailbox), PARTIAL_COPY_SECONDS, c.now),
    async record(mailbox: string) {
      await c.tracking.record("partial-copy", key(mailbox), c.now);
      recorded.push(key(mailbox));
    },
    async done() {
      for (const k of recorded) await c.tracking.forget("partial-copy", k);
    },
  };
}

export async function carryOut(c: CarryOutContext, actions: SieveAction[]): Promise<RecipientOutcome> {
  const saved: string[] = [];
  const partial = partialCopies(c, actions);
  const storeOnce = async (mailbox: string, flags: JsonValue | undefined, create: boolean) => {
    if (saved.some((m) => m === mailbox || (m === "INBOX" && mailbox.toUpperCase() === "INBOX"))) return;
    if (await partial?.stored(mailbox)) {
      c.log.info({ mailbox }, "already stored by an earlier attempt of this delivery");
      saved.push(mailbox);
      await partial!.record(mailbox);
      return;
    }
    try {
      const target = await save(c, mailbox, c.data, flags, create);
      await partial?.record(mailbox);
      saved.push(target);
    } catch (err) {
      throw new OutcomeError(storeFailure(err));
    }
  };
  const outcome = await carryOutActions(c, actions, saved, storeOnce);
  if (outcome.status === "delivered" || outcome.status === "rejected") await partial?.done();
  return outcome;
}

async function carryOutActions(
  c: CarryOutContext,
  actions: SieveAction[],
  saved: string[],
  storeOnce: (mailbox: string, flags: JsonValue | undefined, create: boolean) => Promise<void>,
): Promise<RecipientOutcome> {
  try {
    for (const a of actions) {
      const j = a.toJSON();
      if (a.type === "keep") await storeOnce(c.defaultMailbox, j.flags, false);
      else if (a.type === "fileinto") await storeOnce(await fileintoTarget(c, j), j.flags, j.create === true);
    }
    const reject = actions.find((a) => a.type === "reject" || a.type === "ereject");
    if (reject !== undefined) return await doReject(c, str(reject.toJSON().reason) ?? "");
    for (const a of actions) {
      const j = a.toJSON();
      if (a.type === "redirect") {
        const ok = await redirect(c, str(j.address) ?? "");
        if (!ok) await storeOnce(c.defaultMailbox, [], false);
      } else if (a.type === "vacation") await vacation(c, j);
      else if (a.type === "notify") await notify(c, j);
    }
  } catch (err) {
    if (err instanceof OutcomeError) return err.outcome;
    throw err;
  }
  return { status: "delivered", mailboxes: saved };
}

/**
 * Where a fileinto goes: the mailbox with its :mailboxid (RFC 9042 §3), else the one with its
 * :specialuse (RFC 8579 §5), else the one it names.
 */
async function fileintoTarget(c: CarryOutContext, j: { [key: string]: JsonValue }): Promise<string> {
  const id = str(j.mailboxid);
  const byId = id === null ? undefined : await c.store.mailboxWithGuid(id);
  if (byId !== undefined) return byId;
  const use = str(j.specialuse)?.toLowerCase();
  if (use !== undefined) {
    const box = (await c.store.listMailboxes()).find(
      (m) => m.selectable && m.specialUse?.toLowerCase() === use,
    );
    if (box !== undefined) return box.name;
  }
  return str(j.mailbox) ?? "INBOX";
}

async function doReject(c: CarryOutContext, reason: string): Promise<RecipientOutcome> {
  if (c.rejectBy === "reply") return { status: "rejected", reason, mailed: false };
  // RFC 5429 §2.1.1: never answer a message with a null sender.
  if (c.envelopeFrom === "") {
    c.log.info({ reason }, "rejected; no rejection sent to the null sender");
    return { status: "rejected", reason, mailed: true };
  }
  const data = rejectionMail({
    hostname: c.hostname,
    postmaster: c.postmaster,
    to: c.envelopeFrom,
    recipient: c.recipient,
    reason,
    original: c.original,
    date: c.now,
  });
  try {
    await c.sender.send({ from: "", to: [c.envelopeFrom], data });
  } catch (err) {
    // dovecot-lda: a rejection that cannot be sent is a temporary failure (the MTA retries).
    return { status: "tempfail", message: `cannot send rejection: ${(err as Error).message}` };
  }
  c.log.info({ reason }, "rejected; rejection sent");
  return { status: "rejected", reason, mailed: true };
}

async function redirect(c: CarryOutContext, address: string): Promise<boolean> {
  const id = headerValue(c.original, "message-id") ?? createHash("sha256").update(c.original).digest("hex");
  const key = createHash("sha256").update(`${id}\0${address.toLowerCase()}`).digest("hex");
  if (await c.tracking.seen("redirect", key, REDIRECT_LOOP_SECONDS, c.now)) {
    c.log.info({ to: address }, "redirect skipped: this message was already redirected there");
    return true;
  }
  try {
    await c.sender.send({ from: c.envelopeFrom, to: [address], data: c.original });
  } catch (err) {
    c.log.error({ to: address, err: (err as Error).message }, "redirect failed; keeping a copy");
    return false;
  }
  await c.tracking.record("redirect", key, c.now);
  c.log.info({ to: address }, "redirected");
  return true;
}

async function fcc(c: CarryOutContext, mailbox: string | null, data: Buffer): Promise<void> {
  if (mailbox === null) return;
  try {
    await save(c, mailbox, data, ["\\Seen"], false);
  } catch (err) {
    c.log.warn({ mailbox, err: (err as Error).message }, "cannot file a copy of sent mail (:fcc)");
  }
}

async function vacation(c: CarryOutContext, j: Record<string, JsonValue>): Promise<void> {
  const reply = j.reply;
  if (reply === null || typeof reply !== "object" || Array.isArray(reply)) return;
  const to = str(reply.to) ?? "";
  const data = vacationReply({
    hostname: c.hostname,
    from: str(j.from) ?? `<${c.recipient}>`,
    to,
    subject: str(reply.subject) ?? "",
    reason: str(j.reason) ?? "",
    mime: j.mime === true,
    original: c.original,
    date: c.now,
  });
  try {
    // RFC 3834 §3.3: automatic replies go out with the null sender.
    await c.sender.send({ from: "", to: [to], data });
  } catch (err) {
    c.log.error({ to, err: (err as Error).message }, "vacation reply not sent");
    return;
  }
  c.log.info({ to }, "vacation reply sent");
  await fcc(c, str(j.fcc), data);
}

async function notify(c: CarryOutContext, j: Record<string, JsonValue>): Promise<void> {
  const recipients = (Array.isArray(j.recipients) ? j.recipients : []).flatMap((r) =>
    r !== null && typeof r === "object" && !Array.isArray(r) && typeof r.address === "string"
      ? [{ field: str(r.field) ?? "To", address: r.address }]
      : [],
  );
  if (recipients.length === 0) return;
  const subject = str(j.subject) ?? `[SIEVE] New mail for ${c.recipient}`;
  const from = str(j.from) ?? `Postmaster <${c.postmaster}>`;
  const data = notificationMail({
    hostname: c.hostname,
    from,
    owner: c.recipient,
    recipients,
    subject,
    body: str(j.body) ?? `Notification of new message to ${c.recipient}.`,
    importance: typeof j.importance === "number" ? j.importance : 2,
    date: c.now,
  });
  try {
    await c.sender.send({ from: "", to: recipients.map((r) => r.address), data });
  } catch (err) {
    c.log.error({ err: (err as Error).message }, "notification not sent");
    return;
  }
  c.log.info({ to: recipients.map((r) => r.address) }, "notification sent");
  await fcc(c, str(j.fcc), data);
}
