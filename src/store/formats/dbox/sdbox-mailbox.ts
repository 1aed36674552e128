import { link, open, readdir, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type {
  AppendedMessage,
  AppendInput,
  CopySource,
  FormatMailbox,
  MessageDetails,
  ScannedMessage,
  ScanResult,
} from "../../backend.js";
import { fsyncDir, makeDirs } from "../../durable-fs.js";
import { errnoCode, StoreError } from "../../errors.js";
import { chownHandle, FILE_MODE, type FileOwner } from "../../file-owner.js";
import type { MailboxPath } from "../../mailbox-name.js";
import { allocateUidValidity } from "../common/uidvalidity.js";
import { fileHeader } from "./dbox-file.js";
import { newMessageGuid } from "./dbox-guid.js";
import { type DboxLayout, isDirectory } from "./dbox-layout.js";
import { type OpenRecord, openRecord, readMessage, recordsDetails } from "./dbox-read.js";
import { writeRecord } from "./dbox-record-writer.js";
import type { DboxMailbox } from "./dbox-store.js";
import { addDovecotFlags, trustedDovecotIndex } from "./dovecot-flags.js";
import { lockUidState, readUidState, serializeUidState, UID_STATE_FILE, type UidState } from "./uid-state.js";

const UID_FILE = /^u\.([1-9]\d*)$/;
/** See the Maildir store: a directory stamp this recent may hide a second change. */
const DIRTY_WINDOW_SECONDS_MS = 1000;
const DIRTY_WINDOW_FINE_MS = 50;

let tempCounter = 0;

/** Dovecot's temp name (storage-dbox.md §1.1): not `u.*`, so its rebuild never takes it for mail. */
function tempName(): string {
  const now = Date.now();
  const usecs = (now % 1000) * 1000 + (Number(process.hrtime.bigint() / 1000n) % 1000);
  return `.temp.${Math.floor(now / 1000)}.P${process.pid}Q${++tempCounter}M${usecs}.${hostname()}`;
}

async function uidsIn(dir: string): Promise<number[]> {
  try {
    return (await readdir(dir)).flatMap((name) => {
      const match = UID_FILE.exec(name);
      return match ? [Number(match[1])] : [];
    });
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return [];
    throw err;
  }
}

/**
 * One sdbox mailbox: a `u.<UID>` file per message in dbox-Mails/ (or the same place under ALT).
 * UIDs come from the file names; Loft's UIDVALIDITY and next UID from `loft-uids`, which a mailbox
 * Dovecot wrote first takes from Dovecot's index. Flags live in the index only, as Dovecot keeps
 * them in dovecot.index.
 */
export class SdboxMailbox implements DboxMailbox {
  readonly dir: string;
  readonly altDir: string | undefined;

  constructor(
    readonly path: MailboxPath,
    private readonly layout: DboxLayout,
    private readonly owner: FileOwner | undefined,
  ) {
    this.dir = layout.mailDir(path);
    this.altDir = layout.altRoot === undefined ? undefined : layout.mailDir(path, true);
  }

  exists(): Promise<boolean> {
    return isDirectory(this.dir);
  }

  async create(): Promise<void> {
    await makeDirs(this.dir, this.owner);
    await this.state();
  }

  /** Every UID on disk, primary and ALT (a file in both counts once). */
  private async diskUids(): Promise<number[]> {
    const uids = new Set(await uidsIn(this.dir));
    if (this.altDir !== undefined) for (const uid of await uidsIn(this.altDir)) uids.add(uid);
    return [...uids].sort((a, b) => a - b);
  }

  /**
   * The mailbox's state, created when missing. A mailbox Dovecot made keeps the UIDVALIDITY and
   * next UID of Dovecot's index (whose next UID may be above every file: the last messages were
   * expunged), so its clients need not resync and no UID is given out twice; its flags are read
   * from that index until Loft changes one. Without a readable index (a new mailbox, or a garbled
   * one) the UIDVALIDITY comes from the user's dovecot-uidvalidity generator and the next UID is
   * above every file.
   */
  private async state(): Promise<UidState> {
    const found = await readUidState(this.dir);
    if (found) return found;
    const lock = await lockUidState(this.dir, this.owner);
    try {
      const again = await readUidState(this.dir);
      if (again) return again;
      const top = ((await this.diskUids()).at(-1) ?? 0) + 1;
      const dovecot = await trustedDovecotIndex(this.dir);
      const state: UidState = dovecot
        ? { uidValidity: dovecot.uidValidity, uidNext: Math.max(dovecot.nextUid, top), dovecotFlags: true }
        : { uidValidity: await allocateUidValidity(this.layout.root, this.owner), uidNext: top };
      await lock.commitTo(join(this.dir, UID_STATE_FILE), serializeUidState(state));
      return state;
    } finally {
      await lock.release();
    }
  }

  async fingerprint(): Promise<string | undefined> {
    const stamp = async (path: string) => {
      const st = await stat(path, { bigint: true });
      const window = st.mtimeNs % 1_000_000_000n === 0n ? DIRTY_WINDOW_SECONDS_MS : DIRTY_WINDOW_FINE_MS;
      if (Date.now() - Number(st.mtimeNs / 1_000_000n) < window) throw new Error("dirty");
      return `${st.ino}.${st.mtimeNs}`;
    };
    try {
      const parts = [await stamp(this.dir), await stamp(join(this.dir, UID_STATE_FILE))];
      if (this.altDir !== undefined) parts.push(await stamp(this.altDir).catch(() => "-"));
      return parts.join(":");
    } catch {
      return undefined;
    }
  }

  async scan(): Promise<ScanResult> {
    // The directory before the state: an expunge raises the stored next UID before it unlinks, so
    // a file missed by this listing was gone after the raise, which the state read below sees.
    const uids = await this.diskUids();
    const state = await this.state();
    const messages: ScannedMessage[] = uids.map((uid) => ({ uid, ref: `u.${uid}`, guid: "" }));
    if (state.dovecotFlags) await addDovecotFlags(this.dir, state.uidValidity, messages);
    return {
      uidValidity: state.uidValidity,
      uidNext: Math.max(state.uidNext, (uids.at(-1) ?? 0) + 1),
      messages,
    };
  }

  /** Opens `u.<UID>` where it is: the primary copy wins over ALT, as in Dovecot. */
  private async openRef(ref: string): Promise<OpenRecord | undefined> {
    if (!UID_FILE.test(ref)) throw new StoreError("CORRUPT", `Not an sdbox message reference: ${ref}`);
    const found = await openRecord(join(this.dir, ref));
    if (found || this.altDir === undefined) return found;
    return openRecord(join(this.altDir, ref));
  }

  details(refs: readonly string[]): Promise<(MessageDetails | undefined)[]> {
    return recordsDetails(refs, (ref) => this.openRef(ref));
  }

  /**
   * Saves as storage-dbox.md §4.3: a complete file under a temp name, fsync, then link() to
   * `u.<UID>` above every UID on disk and the stored next UID (link, unlike rename, fails if
   * another writer took that UID: then the next one), drop the temp name, fsync the directory.
   */
  async append(input: AppendInput): Promise<AppendedMessage> {
    const temp = join(this.dir, tempName());
    const handle = await open(temp, "wx", FILE_MODE);
    const date = input.internalDate ?? new Date();
    const receivedSecs = Math.floor(date.getTime() / 1000);
    const guid = newMessageGuid();
    let written: Awaited<ReturnType<typeof writeRecord>>;
    try {
      await chownHandle(handle, this.owner);
      const header = fileHeader(Math.floor(Date.now() / 1000));
      await handle.write(header, 0, header.length, 0);
      written = await writeRecord(handle, header.length, {
        data: input.data,
        guid,
        receivedSecs,
        onStoredBytes: input.onStoredBytes,
        maxSize: input.maxSize,
      });
      await handle.sync();
    } catch (err) {
      await handle.close();
      await unlink(temp).catch(() => {});
      throw err;
    }
    await handle.close();
    try {
      const uids = await this.diskUids();
      const state = await this.state();
      let uid = Math.max(state.uidNext, (uids.at(-1) ?? 0) + 1, input.uid ?? 1);
      for (;;) {
        try {
          await link(temp, join(this.dir, `u.${uid}`));
          break;
        } catch (err) {
          if (errnoCode(err) !== "EEXIST") throw err;
          uid++;
        }
      }
      await unlink(temp);
      await fsyncDir(this.dir);
      return {
        uid,
        ref: `u.${uid}`,
        guid,
        flags: input.flags,
        keywords: [...input.keywords],
        size: written.size,
        vsize: written.vsize,
        internalDate: receivedSecs * 1000,
      };
    } catch (err) {
      await unlink(temp).catch(() => {});
      throw err;
    }
  }

  /**
   * Copies as Dovecot's sdbox does: a hard link of the source's `u.<UID>` to `u.<new UID>` here,
   * the UID taken as in append. The file's metadata still names the mailbox it was saved to; Dovecot
   * links all the same (observed with `doveadm copy` and `ls -i`). The GUID stays the source's, as in
   * Dovecot. A source under ALT on another file system, or any other link failure, leaves the copy
   * to append.
   */
  async copyFrom(
    source: FormatMailbox,
    message: CopySource,
    flags: number,
    keywords: readonly string[],
  ): Promise<AppendedMessage | undefined> {
    if (!(source instanceof SdboxMailbox) || !UID_FILE.test(message.ref)) return undefined;
    const from = [source.dir, ...(source.altDir === undefined ? [] : [source.altDir])].map((dir) =>
      join(dir, message.ref),
    );
    const uids = await this.diskUids();
    const state = await this.state();
    let uid = Math.max(state.uidNext, (uids.at(-1) ?? 0) + 1);
    for (let at = 0; ; ) {
      if (at === from.length) return undefined;
      try {
        await link(from[at]!, join(this.dir, `u.${uid}`));
        break;
      } catch (err) {
        if (errnoCode(err) === "EEXIST") uid++;
        else if (errnoCode(err) === "ENOENT") at++;
        else return undefined;
      }
    }
    try {
      await fsyncDir(this.dir);
    } catch (err) {
      await unlink(join(this.dir, `u.${uid}`)).catch(() => {});
      throw err;
    }
    return {
      uid,
      ref: `u.${uid}`,
      guid: message.guid,
      flags,
      keywords: [...keywords],
      size: message.size,
      vsize: message.vsize,
      internalDate: message.internalDate,
    };
  }

  async adoptUids(uidValidity: number, uidNext: number): Promise<void> {
    await this.state();
    const lock = await lockUidState(this.dir, this.owner);
    try {
      const state = (await readUidState(this.dir))!;
      const onDisk = await this.diskUids();
      if (state.uidValidity !== uidValidity && onDisk.length > 0) {
        throw new StoreError("CANNOT", "Mailbox is not empty: its UIDVALIDITY must stay");
      }
      const next = Math.max(
        state.uidValidity === uidValidity ? state.uidNext : 1,
        (onDisk.at(-1) ?? 0) + 1,
        uidNext,
      );
      await lock.commitTo(join(this.dir, UID_STATE_FILE), serializeUidState({ uidValidity, uidNext: next }));
    } finally {
      await lock.release();
    }
  }

  /**
   * Flags live in the index; the file only has to be still there. The first change ends reading
   * flags from Dovecot's index (before the index takes it, so no later scan undoes it).
   */
  async setFlags(message: { uid: number; ref: string }): Promise<string | undefined> {
    if ((await readUidState(this.dir))?.dovecotFlags) {
      const lock = await lockUidState(this.dir, this.owner);
      try {
        const state = await readUidState(this.dir);
        if (state?.dovecotFlags) {
          await lock.commitTo(
            join(this.dir, UID_STATE_FILE),
            serializeUidState({ uidValidity: state.uidValidity, uidNext: state.uidNext }),
          );
        }
      } finally {
        await lock.release();
      }
    }
    for (const dir of this.altDir === undefined ? [this.dir] : [this.dir, this.altDir]) {
      try {
        await stat(join(dir, message.ref));
        return message.ref;
      } catch (err) {
        if (errnoCode(err) !== "ENOENT") throw err;
      }
    }
    return undefined;
  }

  /** Raises the stored next UID above every file first, so no UID of an expunged message returns. */
  async expunge(messages: readonly { uid: number; ref: string }[]): Promise<void> {
    if (messages.length === 0) return;
    const lock = await lockUidState(this.dir, this.owner);
    try {
      const state = (await readUidState(this.dir)) ?? (await this.state());
      const top = Math.max(state.uidNext, ((await this.diskUids()).at(-1) ?? 0) + 1);
      if (top !== state.uidNext) {
        await lock.commitTo(join(this.dir, UID_STATE_FILE), serializeUidState({ ...state, uidNext: top }));
      }
    } finally {
      await lock.release();
    }
    const dirs = new Set<string>();
    for (const message of messages) {
      for (const dir of this.altDir === undefined ? [this.dir] : [this.dir, this.altDir]) {
        try {
          await unlink(join(dir, message.ref));
          dirs.add(dir);
        } catch (err) {
          if (errnoCode(err) !== "ENOENT") throw err;
        }
      }
    }
    for (const dir of dirs) await fsyncDir(dir);
  }

  async openRead(ref: string, start?: number, end?: number): Promise<Readable> {
    return readMessage(await this.openRef(ref), start, end);
  }

  async recentClaimed(): Promise<void> {}

  watchPaths(): string[] {
    return this.altDir === undefined ? [this.dir] : [this.dir, this.altDir];
  }
}
