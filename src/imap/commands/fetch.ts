import { type MessageInfo, MessageStructure } from "../../store/index.js";
import type { CommandOf, CommandSpec, ImapContext, Reply } from "../command-context.js";
import { fetchFromSnapshot, snapshotOnly } from "../fetch/fetch-flags.js";
import { BinaryDecodeError, fetchItem, needsStructure, needsTree, setsSeen } from "../fetch/fetch-items.js";
import { StructureBatches } from "../fetch/structure-batches.js";
import {
  type FetchAttribute,
  type FetchItem,
  fetchResponse,
  highestExplicit,
  type ResponsePart,
  type SequenceSet,
  StreamedBody,
} from "../protocol/index.js";
import type { SelectedMailbox } from "../selected-mailbox.js";

/** Responses are gathered up to this size before they are written. */
const BATCH_BYTES = 64 * 1024;

/** A sequence set naming a message past the last one is a client error (Dovecot: BAD). */
export function checkSequenceSet(
  selected: SelectedMailbox,
  set: SequenceSet,
  uid: boolean,
  name: string,
): Reply | null {
  if (uid || highestExplicit(set) <= selected.count) return null;
  return { status: "BAD", text: `Error in IMAP command ${name}: Invalid messageset` };
}

/** Messages of a UID list, read from the index in one pass over their range. */
export function messagesOf(selected: SelectedMailbox, uids: readonly number[]): Map<number, MessageInfo> {
  const out = new Map<number, MessageInfo>();
  if (uids.length === 0) return out;
  const first = uids[0]!;
  const last = uids[uids.length - 1]!;
  if (uids.length < 16) {
    for (const uid of uids) {
      const info = selected.mailbox.message(uid);
      if (info !== undefined) out.set(uid, info);
    }
    return out;
  }
  for (const info of selected.mailbox.messages(first, last)) out.set(info.uid, info);
  return out;
}

export const fetch: CommandSpec<"FETCH"> = {
  states: ["selected"],
  async run(ctx, command) {
    const selected = ctx.selected!;
    const invalid = checkSequenceSet(selected, command.set, command.uid, command.uid ? "UID FETCH" : "FETCH");
    if (invalid !== null) return invalid;
    const attrs = [...command.items];
    if (command.changedSince !== null || attrs.some((a) => a.kind === "MODSEQ")) ctx.condstore = true;
    // RFC 3501 §6.4.8: UID FETCH always answers with the UID; RFC 7162 §3.1.4.1 likewise MODSEQ.
    if (command.uid && !attrs.some((a) => a.kind === "UID")) attrs.unshift({ kind: "UID" });
    if (command.changedSince !== null && !attrs.some((a) => a.kind === "MODSEQ"))
      attrs.push({ kind: "MODSEQ" });
    const uids = selected.resolve(command.set, command.uid, ctx.savedSearch);
    if (snapshotOnly(attrs)) {
      await fetchFromSnapshot(selected, attrs, uids, command.changedSince, BATCH_BYTES, (chunk) =>
        ctx.sendBatch(chunk),
      );
      return { status: "OK", text: "Fetch completed." };
    }
    const writer = new BatchWriter(ctx);
    try {
      await fetchMessages(selected, command, attrs, uids, writer);
    } catch (err) {
      if (!(err instanceof BinaryDecodeError)) throw err;
      await writer.flush();
      return { status: "NO", text: err.message, code: { name: err.code } };
    }
    await writer.flush();
    return { status: "OK", text: "Fetch completed." };
  },
};

async function fetchMessages(
  selected: SelectedMailbox,
  command: CommandOf<"FETCH">,
  attrs: readonly FetchAttribute[],
  uids: readonly number[],
  writer: BatchWriter,
): Promise<void> {
  const infos = messagesOf(selected, uids);
  const structures = attrs.some(needsStructure)
    ? new StructureBatches(selected.mailbox, attrs.some(needsTree))
    : null;
  for (let u = 0; u < uids.length; u++) {
    const uid = uids[u]!;
    let info = infos.get(uid);
    if (info === undefined) continue;
    if (command.changedSince !== null && info.modseq <= command.changedSince) continue;
    info = await markSeen(selected, info, attrs);
    const structure = structures
      ? (structures.at(uids, u).get(uid) ?? MessageStructure.of(await selected.mailbox.structure(uid)))
      : null;
    const m = { mailbox: selected.mailbox, info, recent: selected.isRecent(uid), structure };
    // RFC 3501 §6.4.5: flags changed by the fetch itself are told; Dovecot puts them just
    // before the first item that set \Seen.
    let tellFlags = info.modseq !== infos.get(uid)!.modseq && !attrs.some((a) => a.kind === "FLAGS");
    const items: FetchItem[] = [];
    for (const attr of attrs) {
      if (tellFlags && setsSeen(attr)) {
        items.push(await fetchItem({ kind: "FLAGS" }, m));
        tellFlags = false;
      }
      items.push(await fetchItem(attr, m));
    }
    await writer.add(fetchResponse(selected.seqOf(uid), items));
  }
}

/** Fetching a body sets \Seen in a read-write mailbox (RFC 3501 §6.4.5). */
async function markSeen(
  selected: SelectedMailbox,
  info: MessageInfo,
  attrs: readonly FetchAttribute[],
): Promise<MessageInfo> {
  if (selected.readOnly || info.flags.includes("\\Seen") || !attrs.some(setsSeen)) return info;
  const { updated } = await selected.mailbox.storeFlags([info.uid], "add", ["\\Seen"], []);
  const after = updated[0] ?? info;
  selected.markReported(after);
  return after;
}

/** Gathers small responses; streamed bodies go out at once, with back-pressure. */
class BatchWriter {
  private pending: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly ctx: ImapContext) {}

  async add(parts: ResponsePart[]): Promise<void> {
    if (parts.some((p) => p instanceof StreamedBody)) {
      await this.flush();
      await this.ctx.sendParts(parts);
      return;
    }
    for (const part of parts as Buffer[]) {
      this.pending.push(part);
      this.bytes += part.length;
    }
    if (this.bytes >= BATCH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const data = Buffer.concat(this.pending);
    this.pending = [];
    this.bytes = 0;
    await this.ctx.sendBatch(data);
  }
}
