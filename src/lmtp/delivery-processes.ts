// Deliveries in child processes. One process runs every LMTP session on its event loop; Sieve
// and the store's work for each message would make that loop the limit on a machine with more
// cores. So the LMTP process keeps the protocol (sessions, limits, RCPT checks, replies) and
// hands each received message to one of a few delivery processes, which deliver it
// as loft-lda would (the store takes concurrent writers: dotlocks, SQLite WAL). A process, not a
// worker thread: the store names files and locks by process id, as Dovecot does.
import { type ChildProcess, fork } from "node:child_process";
import type { UserInfo } from "../auth/index.js";
import type { Config } from "../config/index.js";
import type { DeliveryEnvelope, KnownUsers, RecipientOutcome, RecipientRequest } from "../delivery/index.js";
import {
  type ChildLines,
  type Logger,
  type LogOptions,
  writeChildLines,
  writesStayWhole,
} from "../log/index.js";

/** What the LMTP process sends a delivery process. */
export type ToDeliveryProcess =
  | { type: "init"; config: Config; log: LogOptions; keepStoresOpenMs: number }
  | {
      type: "deliver";
      id: number;
      /** The LMTP process's log level now (a reload may have changed it). */
      level: string;
      message: Buffer;
      envelope: DeliveryEnvelope;
      recipients: RecipientRequest[];
      users: [string, UserInfo | null | "failed"][];
    }
  /** Finish what is under way, close the stores and exit. */
  | { type: "close" };

/** A delivery process's answer to one "deliver", word that it has taken "init", or log lines. */
export type FromDeliveryProcess =
  | { id: number; outcomes: RecipientOutcome[] }
  | { id: number; error: string }
  | { ready: true }
  | ChildLines;

export interface DeliveryProcessOptions {
  /** How many processes (at least 2: one is better served by delivering in the LMTP process). */
  count: number;
  config: Config;
  logOptions: LogOptions;
  log: Logger;
  keepStoresOpenMs: number;
  /** The ids to start the processes with while the LMTP process is still root (before it drops them). */
  account: { uid: number; gid: number } | null;
}

interface Pending {
  resolve: (outcomes: RecipientOutcome[]) => void;
  reject: (err: Error) => void;
}

interface Worker {
  child: ChildProcess;
  pending: Map<number, Pending>;
  /** It has taken "init": a process that ends before is one that cannot start. */
  ready: boolean;
}

/**
 * A slot whose processes keep ending before they are ready (a run-as account that cannot read the
 * program, a broken install) is not restarted for every message: its deliveries get a temporary
 * failure for 1 s, then 2, 4… up to 60 s, while each try logs why.
 */
const RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 60_000;

/** How long a slot waits after its `failures`-th failed start in a row. */
export function restartDelay(failures: number): number {
  return Math.min(MAX_RESTART_DELAY_MS, RESTART_DELAY_MS * 2 ** (failures - 1));
}

interface Restarts {
  failures: number;
  notBefore: number;
}

/** FNV-1a: a cheap, well-spread hash of a user name. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class DeliveryProcesses {
  private readonly slots: (Worker | null)[];
  private readonly restarts: Restarts[];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: DeliveryProcessOptions) {
    this.slots = Array.from({ length: options.count }, () => null);
    this.restarts = Array.from({ length: options.count }, () => ({ failures: 0, notBefore: 0 }));
  }

  /**
   * Delivers in the process that `affinity` (the first recipient's user) maps to, started on first
   * need; rejects if that process dies. A user's deliveries all go to one process: its store stays
   * open and warm there, and two processes never wait on each other's dotlock for one mailbox.
   */
  deliver(
    message: Buffer,
    envelope: DeliveryEnvelope,
    recipients: RecipientRequest[],
    users: KnownUsers,
    affinity: string,
  ): Promise<RecipientOutcome[]> {
    if (this.closed) return Promise.reject(new Error("delivery processes are closed"));
    const slot = hash(affinity) % this.slots.length;
    const waiting = this.restarts[slot]!.notBefore - Date.now();
    if (this.slots[slot] === null && waiting > 0)
      return Promise.reject(
        new Error(`delivery process failed to start; next try in ${Math.ceil(waiting / 1000)} s`),
      );
    const worker = this.slots[slot] ?? this.start(slot);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      worker.pending.set(id, { resolve, reject });
      const request: ToDeliveryProcess = {
        type: "deliver",
        id,
        level: this.options.log.level,
        message,
        envelope,
        recipients,
        users: [...users],
      };
      worker.child.send(request, (err) => {
        if (err === null || !worker.pending.delete(id)) return;
        reject(err);
      });
    });
  }

  /** Lets every process finish its deliveries, close its stores and exit; nothing new is taken. */
  close(): void {
    this.closed = true;
    for (const w of this.slots) {
      if (w === null || !w.child.connected) continue;
      w.child.send({ type: "close" } satisfies ToDeliveryProcess, () => {});
    }
  }

  private start(slot: number): Worker {
    const { account, log } = this.options;
    const asAccount =
      account !== null && process.geteuid?.() === 0 ? { uid: account.uid, gid: account.gid } : {};
    // Unless the log is a file, log lines go through this process (log/index.ts, viaParent):
    // several writers of one pipe would interleave. Standard error stays shared, for what Node
    // prints as a process dies.
    const viaParent = !writesStayWhole(this.options.logOptions);
    const child = fork(new URL("./delivery-process-main.js", import.meta.url), [], {
      serialization: "advanced",
      stdio: ["ignore", viaParent ? "ignore" : "inherit", "inherit", "ipc"],
      ...asAccount,
    });
    const worker: Worker = { child, pending: new Map(), ready: false };
    this.slots[slot] = worker;
    let gone = false;
    const fail = (why: string) => {
      if (gone) return;
      gone = true;
      if (this.slots[slot] === worker) this.slots[slot] = null;
      if (!this.closed || worker.pending.size > 0)
        log.error({ pid: child.pid, why }, "delivery process ended");
      const restarts = this.restarts[slot]!;
      if (!worker.ready && !this.closed) {
        restarts.failures++;
        const delay = restartDelay(restarts.failures);
        restarts.notBefore = Date.now() + delay;
        log.error({ why, retryInMs: delay }, "delivery process failed to start");
      }
      const err = new Error(`delivery process ended: ${why}`);
      for (const p of worker.pending.values()) p.reject(err);
      worker.pending.clear();
    };
    child.on("message", (m: FromDeliveryProcess) => {
      if ("log" in m) {
        writeChildLines(log, m);
        return;
      }
      if ("ready" in m) {
        worker.ready = true;
        this.restarts[slot] = { failures: 0, notBefore: 0 };
        return;
      }
      const p = worker.pending.get(m.id);
      if (p === undefined) return;
      worker.pending.delete(m.id);
      if ("error" in m) p.reject(new Error(m.error));
      else p.resolve(m.outcomes);
    });
    child.on("exit", (code, signal) => fail(signal ?? `exit code ${code}`));
    child.on("error", (err) => fail(err.message));
    child.send({
      type: "init",
      config: this.options.config,
      log: { ...this.options.logOptions, viaParent },
      keepStoresOpenMs: this.options.keepStoresOpenMs,
    } satisfies ToDeliveryProcess);
    return worker;
  }
}
