// deliver(message, envelope, recipients): one outcome per recipient. The message is parsed once
// for all of them; each recipient gets the userdb lookup, its Sieve scripts, and its stores,
// which resolve only once the store reports the message durably saved.
import os from "node:os";
import type { Logger } from "pino";
import type { UserInfo } from "../auth/index.js";
import type { Config } from "../config/index.js";
import { withUser } from "../log/index.js";
import type { SieveAction, SieveEngine, SieveMessage } from "../sieve/index.js";
import { isStoreError, type MailDrop } from "../store/index.js";
import { openUserMailDrop, userStoreOptions } from "../user-mail/index.js";
import { carryOut } from "./carry-out.js";
import { rejectionMail } from "./compose.js";
import { headerValue, withHeaders } from "./edited-message.js";
import { splitRecipient } from "./recipient.js";
import { runScripts } from "./run-scripts.js";
import { scriptParseCache } from "./script-parse-cache.js";
import { scriptSequence } from "./script-sequence.js";
import { type MailSender, SendmailCommand } from "./sendmail.js";
import { DeliveryEnvironment } from "./sieve-environment.js";
import { SmtpRelay } from "./smtp-relay.js";
import { StorePool } from "./store-pool.js";
import { traceHeaders } from "./trace-headers.js";
import { TrackingStore } from "./tracking-store.js";
import type { DeliveryEnvelope, RecipientOutcome, RecipientRequest } from "./types.js";

export interface DeliveryDeps {
  config: Config;
  /** The userdb; a throw means it failed (a temporary error), undefined an unknown user. */
  userdb: { lookup(user: string): Promise<UserInfo | undefined> };
  log: Logger;
  /** The Sieve engine, created on first need (loft-lda should not load it for a user without scripts). */
  engine: () => Promise<SieveEngine>;
  /** How long a user's store stays open after a delivery (a server: a few seconds; loft-lda: 0). */
  keepStoresOpenMs?: number;
}

export type RecipientCheck = "ok" | "unknown-user" | "over-quota" | "tempfail";

/** Userdb entries looked up elsewhere, by user name: null for an unknown user, "failed" for a userdb error. */
export type KnownUsers = ReadonlyMap<string, UserInfo | null | "failed">;

export class Delivery {
  readonly hostname: string;
  private readonly postmaster: string;
  private readonly sender: MailSender;
  private readonly openStore: (user: UserInfo, log: Logger) => Promise<MailDrop>;
  private readonly stores: StorePool;

  constructor(private readonly deps: DeliveryDeps) {
    const d = deps.config.delivery;
    this.hostname = d.hostname || os.hostname();
    this.postmaster = d.postmaster_address || `postmaster@${this.hostname}`;
    this.sender =
      d.submission_host === ""
        ? new SendmailCommand(d.sendmail_path)
        : new SmtpRelay(d.submission_host, this.hostname);
    this.stores = new StorePool(deps.keepStoresOpenMs ?? 0);
    this.openStore = async (user, log) => {
      // Two first deliveries to a new user race to create its auto-created mailboxes; the loser
      // sees ALREADYEXISTS. Opening again finds them made.
      for (let attempt = 1; ; attempt++) {
        try {
          return await openUserMailDrop(user, deps.config, log);
        } catch (err) {
          if (!isStoreError(err, "ALREADYEXISTS") || attempt >= 3) throw err;
        }
      }
    };
  }

  /** The userdb name a recipient is looked up by (-d or the address without +detail), and the detail. */
  private userName(req: RecipientRequest): { name: string; detail: string } {
    const split = splitRecipient(req.address, this.deps.config.delivery.recipient_delimiter);
    return { name: req.user ?? split.user, detail: split.detail };
  }

  private async lookup(
    req: RecipientRequest,
    known?: KnownUsers,
  ): Promise<{ user: UserInfo | undefined; detail: string }> {
    const { name, detail } = this.userName(req);
    if (known === undefined) return { user: await this.deps.userdb.lookup(name), detail };
    const entry = known.get(name);
    if (entry === undefined || entry === "failed")
      throw new Error(`no userdb entry for ${name} was handed over`);
    return { user: entry ?? undefined, detail };
  }

  /**
   * The recipients' userdb entries, for a delivery that runs in another process: the process that
   * took the RCPTs looks them up, so its live userdb (and its reloads) decides for every delivery.
   */
  async lookUpUsers(recipients: RecipientRequest[]): Promise<Map<string, UserInfo | null | "failed">> {
    const users = new Map<string, UserInfo | null | "failed">();
    for (const r of recipients) {
      const { name } = this.userName(r);
      if (users.has(name)) continue;
      try {
        users.set(name, (await this.deps.userdb.lookup(name)) ?? null);
      } catch (err) {
        this.deps.log.error({ err: (err as Error).message }, "userdb lookup failed");
        users.set(name, "failed");
      }
    }
    return users;
  }

  /** The RCPT-time check: does the user exist, and (when asked) are they still under quota. */
  async check(address: string, checkQuota: boolean): Promise<RecipientCheck> {
    let user: UserInfo | undefined;
    try {
      user = (await this.lookup({ address })).user;
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message }, "userdb lookup failed");
      return "tempfail";
    }
    if (user === undefined) return "unknown-user";
    // Without limits there is nothing to check, and no reason to open the store.
    const limits = userStoreOptions(user, this.deps.config).quota;
    if (!checkQuota || (!limits?.storage && !limits?.messages)) return "ok";
    const key = storeKey(user);
    let store: MailDrop | undefined;
    try {
      store = await this.stores.acquire(key, () => this.openStore(user, this.deps.log));
      return (await store.overQuota()) ? "over-quota" : "ok";
    } catch (err) {
      this.deps.log.error({ user: user.user, err: (err as Error).message }, "quota check failed");
      return "tempfail";
    } finally {
      if (store !== undefined) this.stores.release(key);
    }
  }

  /** Closes the stores kept open between deliveries (at shutdown). */
  close(): void {
    this.stores.closeIdle();
  }

  /**
   * Sends the sender a rejection of a message that was not delivered (dovecot-lda without -e, e.g.
   * over quota). Nothing goes to the null sender; false when the mail could not be sent.
   */
  async bounce(message: Buffer, from: string, recipient: string, reason: string): Promise<boolean> {
    if (from === "") return true;
    const data = rejectionMail({
      hostname: this.hostname,
      postmaster: this.postmaster,
      to: from,
      recipient,
      reason,
      original: message,
      date: new Date(),
    });
    try {
      await this.sender.send({ from: "", to: [from], data });
      return true;
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message }, "cannot send rejection");
      return false;
    }
  }

  /** `known`: the recipients' userdb entries from lookUpUsers, instead of looking them up here. */
  async deliver(
    message: Buffer,
    envelope: DeliveryEnvelope,
    recipients: RecipientRequest[],
    known?: KnownUsers,
  ): Promise<RecipientOutcome[]> {
    const distinct = new Map<string, RecipientRequest>();
    for (const r of recipients)
      if (!distinct.has(r.address.toLowerCase())) distinct.set(r.address.toLowerCase(), r);
    const now = new Date();
    const data =
      envelope.trace === null
        ? message
        : Buffer.concat([
            traceHeaders({
              ...envelope.trace,
              from: envelope.from,
              hostname: this.hostname,
              singleRecipient: distinct.size === 1 ? [...distinct.values()][0]!.address : null,
              date: now,
            }),
            message,
          ]);
    // Parsed on first need (a recipient with scripts), then shared by every recipient.
    let parsed: Promise<SieveMessage> | null = null;
    const parse = () => {
      parsed ??= import("../sieve/index.js").then((sieve) => new sieve.SieveMessage(data));
      return parsed;
    };
    const outcomes = new Map<string, RecipientOutcome>();
    // Recipients one after another: each holds its own store open, and an MTA sends few at once.
    for (const [key, req] of distinct) {
      outcomes.set(key, await this.deliverOne(req, { envelope, data, original: message, parse, now, known }));
    }
    return recipients.map((r) => outcomes.get(r.address.toLowerCase())!);
  }

  private async deliverOne(
    req: RecipientRequest,
    m: {
      envelope: DeliveryEnvelope;
      data: Buffer;
      original: Buffer;
      parse: () => Promise<SieveMessage>;
      now: Date;
      known: KnownUsers | undefined;
    },
  ): Promise<RecipientOutcome> {
    const { config } = this.deps;
    let found: Awaited<ReturnType<Delivery["lookup"]>>;
    try {
      found = await this.lookup(req, m.known);
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message }, "userdb lookup failed");
      return { status: "tempfail", message: "userdb lookup failed" };
    }
    const user = found.user;
    if (user === undefined) return { status: "unknown-user" };
    const log = withUser(this.deps.log, user.user);
    const key = storeKey(user);
    let store: MailDrop;
    try {
      store = await this.stores.acquire(key, () => this.openStore(user, log));
    } catch (err) {
      log.error({ err: (err as Error).message }, "cannot open the mail store");
      return { status: "tempfail", message: "cannot open the mail store" };
    }
    const tracking = TrackingStore.forHome(user.home, { uid: user.uid, gid: user.gid });
    try {
      const defaultMailbox =
        req.mailbox ||
        (config.lmtp.save_to_detail_mailbox && found.detail !== "" && m.envelope.trace !== null
          ? found.detail
          : "INBOX");
      const sequence = scriptSequence(
        { location: config.sieve.location, before: config.sieve.before, after: config.sieve.after },
        user.home,
      );
      let actions: SieveAction[] | null = null;
      let data = m.data;
      let records: { kind: string; key: string }[] = [];
      if (sequence.before.length + sequence.after.length > 0 || sequence.personal !== null) {
        const env = new DeliveryEnvironment({
          store,
          tracking,
          personalDir: sequence.personalDir,
          globalDir: null,
          addresses: [req.address, user.user],
          hostname: this.hostname,
          remoteIp: m.envelope.remoteIp,
          now: m.now,
        });
        const envelope = {
          from: m.envelope.from,
          to: req.address,
          ...(req.original ? { origTo: req.original } : {}),
        };
        try {
          const outcome = await runScripts(
            await this.deps.engine(),
            sequence,
            { message: await m.parse(), envelope, env },
            log,
            sequence.personal === null
              ? undefined
              : scriptParseCache(sequence.personal, user.home, { uid: user.uid, gid: user.gid }),
          );
          if (outcome.ran.length > 0) actions = outcome.actions;
          if (outcome.editedHeaders !== null) data = withHeaders(m.data, outcome.editedHeaders);
          records = outcome.tracking;
        } catch (err) {
          // Whatever goes wrong in Sieve, the message is kept: a script never loses mail.
          log.error({ err: (err as Error).message }, "Sieve failed; keeping the message");
        }
      }
      const result = await carryOut(
        {
          store,
          tracking,
          sender: this.sender,
          log,
          data,
          original: m.original,
          envelopeFrom: m.envelope.from,
          recipient: req.address,
          defaultMailbox,
          autocreate: config.delivery.mailbox_autocreate,
          rejectBy: m.envelope.rejectBy,
          hostname: this.hostname,
          postmaster: this.postmaster,
          now: m.now,
        },
        actions ?? [keepAction()],
      );
      if (result.status === "delivered" || result.status === "rejected") {
        for (const r of records) await tracking.record(r.kind, r.key, m.now);
      }
      logOutcome(log, headerValue(m.original, "message-id"), result);
      return result;
    } catch (err) {
      log.error({ err: (err as Error).message }, "delivery failed");
      return { status: "tempfail", message: "internal error" };
    } finally {
      tracking.close();
      this.stores.release(key);
    }
  }
}

function storeKey(user: UserInfo): string {
  return `${user.user}\0${user.home}\0${user.mailLocation}`;
}

/** The keep of a delivery without scripts. */
function keepAction(): SieveAction {
  return {
    type: "keep",
    line: 0,
    role: "deliver",
    cancelsImplicitKeep: true,
    duplicateKey: () => "store:INBOX",
    toJSON: () => ({ action: "keep", flags: [], implicit: true }),
    describe: () => ({ text: "store message in folder: INBOX", lines: [] }),
  };
}

function logOutcome(log: Logger, msgid: string | null, r: RecipientOutcome): void {
  if (r.status === "delivered") {
    if (r.mailboxes.length > 0)
      log.info({ msgid, mailboxes: r.mailboxes }, `saved mail to ${r.mailboxes.join(", ")}`);
    else log.info({ msgid }, "not stored (discarded or redirected by Sieve)");
  } else if (r.status === "rejected") log.info({ msgid, reason: r.reason }, "rejected");
  else if (r.status !== "unknown-user")
    log.warn({ msgid, status: r.status, reason: r.message }, "not delivered");
}
