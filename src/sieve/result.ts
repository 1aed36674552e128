// Collects actions while a script runs: duplicate merging, conflicts, limits and the implicit
// keep (RFC 5228 §2.10).
import type { JsonValue, SieveAction } from "./actions.js";
import { normalizeFlags, StoreAction } from "./actions.js";
import type { HeaderField } from "./message.js";

/** An error that aborts the run; the message is then kept in the default mailbox. */
export class SieveRuntimeError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = "SieveRuntimeError";
  }
}

/** Something delivery should record once the message was delivered (duplicate ids, …). */
export interface TrackingRecord {
  kind: string;
  key: string;
  seconds: number;
  /** How sieve-test lists it among the performed actions, if at all. */
  listing?: string;
  /** How many actions existed when it was made (its place in that listing). */
  position?: number;
}

export interface SieveRunResult {
  status: "ok" | "runtime_error";
  /** For ok: every action in the order first added, the implicit keep last when it applies. */
  actions: SieveAction[];
  /** The runtime error, when status is runtime_error (actions then hold only the fallback keep). */
  error: { message: string; line: number } | null;
  /** Whether the implicit keep was cancelled, and whether an equal store already exists. */
  implicitKeep: "kept" | "cancelled" | "done-earlier";
  /** The implicit keep as it applies (with its flags), or null when cancelled. */
  implicitKeepAction: StoreAction | null;
  /** The header as edited by editheader, when it was changed. */
  editedHeaders: HeaderField[] | null;
  /** The whole message as delivery should store it, when replace/enclose rewrote it. */
  rewrittenMessage: Buffer | null;
  tracking: TrackingRecord[];
  /** The run's trace lines (when tracing was requested). */
  trace: string[];
}

export class ResultBuilder {
  readonly actions: SieveAction[] = [];
  keepCancelled = false;
  readonly tracking: TrackingRecord[] = [];
  private redirects = 0;

  constructor(
    private readonly maxActions: number,
    private readonly maxRedirects: number,
  ) {}

  add(action: SieveAction): void {
    for (const other of this.actions) {
      const conflict = action.conflictWith?.(other) ?? other.conflictWith?.(action) ?? null;
      if (conflict !== null) throw new SieveRuntimeError(conflict, action.line);
    }
    // A duplicate still cancels the keep: RFC 5228 §4.2 says redirect cancels it. Pigeonhole
    // 0.5.19 drops a plain redirect merged into an earlier `redirect :copy` together with its
    // cancellation (observed); the RFC wins here.
    if (action.cancelsImplicitKeep) this.keepCancelled = true;
    const key = action.duplicateKey();
    const existing = key === null ? undefined : this.actions.find((a) => a.duplicateKey() === key);
    if (existing !== undefined) {
      existing.mergeFrom?.(action);
      return;
    }
    if (action.isRedirect === true && ++this.redirects > this.maxRedirects) {
      throw new SieveRuntimeError(
        `number of redirect actions exceeds policy limit (${this.redirects} > ${this.maxRedirects})`,
        action.line,
      );
    }
    if (this.actions.length + 1 > this.maxActions) {
      throw new SieveRuntimeError(
        `total number of actions exceeds policy limit (${this.actions.length + 1} > ${this.maxActions})`,
        action.line,
      );
    }
    this.actions.push(action);
  }

  /**
   * Appends the implicit keep unless it was cancelled; returns how it was resolved. An explicit
   * store into the same mailbox takes the keep's flags instead of storing twice.
   */
  finish(
    defaultMailbox: string,
    keepFlags: string[],
  ): { state: SieveRunResult["implicitKeep"]; keep: StoreAction | null } {
    if (this.keepCancelled) return { state: "cancelled", keep: null };
    const keep = new StoreAction("keep", defaultMailbox, 0, true);
    keep.flags = normalizeFlags(keepFlags);
    const existing = this.actions.find((a) => a.duplicateKey() === keep.duplicateKey());
    if (existing !== undefined) {
      existing.mergeFrom?.(keep);
      return { state: "done-earlier", keep };
    }
    this.actions.push(keep);
    return { state: "kept", keep };
  }
}

/** The `--json` shape of a run (issue 4): status and actions. */
export function resultToJSON(result: SieveRunResult): { [key: string]: JsonValue } {
  if (result.status === "runtime_error") {
    return { status: "runtime_error", message: result.error?.message ?? "" };
  }
  return { status: "ok", actions: result.actions.map((a) => a.toJSON()) };
}
