import { type MailboxSnapshot, MessageStructure } from "../../store/index.js";
import { flagList, flagsAt } from "../message-flags.js";
import { encodeValue, type FetchAttribute } from "../protocol/index.js";
import type { SelectedMailbox } from "../selected-mailbox.js";
import { StructureBatches } from "./structure-batches.js";

/**
 * Items answered from the mailbox snapshot and the texts the index caches with a message's
 * structure, without reading its row.
 */
const SNAPSHOT_ITEMS = new Set<FetchAttribute["kind"]>([
  "UID",
  "FLAGS",
  "MODSEQ",
  "ENVELOPE",
  "BODYSTRUCTURE",
]);

export function snapshotOnly(attrs: readonly FetchAttribute[]): boolean {
  return attrs.every((a) => SNAPSHOT_ITEMS.has(a.kind));
}

/**
 * FETCH of UID, FLAGS, MODSEQ, ENVELOPE and BODYSTRUCTURE: the responses come from the shared
 * snapshot and the cached texts as text, with no per-message buffer, handed to `write` in chunks of
 * about `chunkBytes`. The bytes are those fetchResponse() gives (a flag list goes through the one
 * encoder, once per distinct list; the texts are binary strings, one char per byte).
 */
export async function fetchFromSnapshot(
  selected: SelectedMailbox,
  attrs: readonly FetchAttribute[],
  uids: readonly number[],
  changedSince: bigint | null,
  chunkBytes: number,
  write: (chunk: Buffer) => Promise<void>,
): Promise<void> {
  const mailbox = selected.mailbox;
  const snapshot = selected.snapshotForCommand();
  const structures = attrs.some((a) => a.kind === "ENVELOPE" || a.kind === "BODYSTRUCTURE")
    ? new StructureBatches(mailbox, false)
    : null;
  const lists = new Map<string, string>();
  let text = "";
  for (let u = 0; u < uids.length; u++) {
    const uid = uids[u]!;
    const i = snapshot.indexOf(uid);
    if (i < 0) continue;
    const modseq = snapshot.modseqAt(i);
    if (changedSince !== null && modseq <= changedSince) continue;
    const structure = structures
      ? (structures.at(uids, u).get(uid) ?? MessageStructure.of(await mailbox.structure(uid)))
      : null;
    let line = `* ${selected.seqOf(uid)} FETCH (`;
    for (let a = 0; a < attrs.length; a++) {
      if (a > 0) line += " ";
      const kind = attrs[a]!.kind;
      if (kind === "UID") line += `UID ${uid}`;
      else if (kind === "MODSEQ") line += `MODSEQ (${modseq})`;
      else if (kind === "ENVELOPE") line += `ENVELOPE ${structure!.envelope}`;
      else if (kind === "BODYSTRUCTURE") line += `BODYSTRUCTURE ${structure!.bodystructure}`;
      else line += `FLAGS ${flagText(lists, snapshot, i, selected.isRecent(uid))}`;
    }
    text += `${line})\r\n`;
    if (text.length >= chunkBytes) {
      await write(Buffer.from(text, "latin1"));
      text = "";
    }
  }
  if (text.length > 0) await write(Buffer.from(text, "latin1"));
}

function flagText(lists: Map<string, string>, snapshot: MailboxSnapshot, i: number, recent: boolean): string {
  const keywords = snapshot.keywordsAt(i);
  const key = `${snapshot.flagBitsAt(i)}${recent ? "R" : ""} ${keywords.join(" ")}`;
  let text = lists.get(key);
  if (text === undefined) {
    text = encodeValue(flagList(flagsAt(snapshot, i), recent)).toString("latin1");
    lists.set(key, text);
  }
  return text;
}
