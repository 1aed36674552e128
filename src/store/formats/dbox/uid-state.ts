import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode } from "../../errors.js";
import type { FileOwner } from "../../file-owner.js";
import { acquireDotlock, type Dotlock } from "../common/dotlock.js";

/**
 * Loft's UIDVALIDITY and next UID of an sdbox mailbox, `dbox-Mails/loft-uids` = `V<uidvalidity>
 * N<next uid>\n`, then `D\n` while flags still come from Dovecot's index (a mailbox taken over from
 * Dovecot whose flags Loft has not changed yet). Dovecot keeps these in dovecot.index, which Loft
 * does not write; its force-resync ignores this file (it only looks at `u.*`).
 */
export const UID_STATE_FILE = "loft-uids";

export interface UidState {
  uidValidity: number;
  uidNext: number;
  dovecotFlags?: boolean;
}

export function parseUidState(text: string): UidState | undefined {
  const match = /^V(\d+) N(\d+)\n/.exec(text);
  if (!match) return undefined;
  const state: UidState = { uidValidity: Number(match[1]), uidNext: Number(match[2]) };
  if (text.slice(match[0].length).startsWith("D\n")) state.dovecotFlags = true;
  return state.uidValidity > 0 && state.uidNext > 0 ? state : undefined;
}

export function serializeUidState(state: UidState): string {
  return `V${state.uidValidity} N${state.uidNext}\n${state.dovecotFlags ? "D\n" : ""}`;
}

export async function readUidState(dir: string): Promise<UidState | undefined> {
  try {
    return parseUidState(await readFile(join(dir, UID_STATE_FILE), "latin1"));
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return undefined;
    throw err;
  }
}

export function lockUidState(dir: string, owner: FileOwner | undefined): Promise<Dotlock> {
  return acquireDotlock(join(dir, `${UID_STATE_FILE}.lock`), {
    watchPath: join(dir, UID_STATE_FILE),
    owner,
  });
}
