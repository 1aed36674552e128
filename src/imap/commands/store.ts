import type { CommandSpec } from "../command-context.js";
import { flagList, splitFlags } from "../message-flags.js";
import { formatSequenceSet, type ImapValue, untagged } from "../protocol/index.js";
import { checkSequenceSet, messagesOf } from "./fetch.js";

/** STORE (RFC 3501 §6.4.6) with RFC 7162 UNCHANGEDSINCE. */
export const store: CommandSpec<"STORE"> = {
  states: ["selected"],
  async run(ctx, command) {
    const selected = ctx.selected!;
    const invalid = checkSequenceSet(selected, command.set, command.uid, command.uid ? "UID STORE" : "STORE");
    if (invalid !== null) return invalid;
    if (selected.readOnly)
      return { status: "NO", text: "Mailbox is read-only.", code: { name: "READ-ONLY" } };
    if (command.unchangedSince !== null) ctx.condstore = true;
    const uids = selected.resolve(command.set, command.uid, ctx.savedSearch);
    const { system, keywords } = splitFlags(command.flags);
    const options = command.unchangedSince === null ? {} : { unchangedSince: Number(command.unchangedSince) };
    const result = await selected.mailbox.storeFlags(uids, command.action, system, keywords, options);
    if (selected.noteKeywords(keywords)) ctx.send(...selected.flagsResponses());
    const failed = new Set(result.failed);
    const updated = new Map(result.updated.map((m) => [m.uid, m]));
    // RFC 3501: without .SILENT every message named gets its flags back; RFC 7162 §3.1.3: with
    // UNCHANGEDSINCE the ones that changed carry MODSEQ even when silent.
    const infos = command.silent && !ctx.condstore ? new Map() : messagesOf(selected, uids);
    for (const uid of uids) {
      if (failed.has(uid)) continue;
      const info = updated.get(uid) ?? infos.get(uid);
      if (info === undefined) continue;
      if (updated.has(uid)) selected.markReported(info);
      if (command.silent && !(ctx.condstore && updated.has(uid))) continue;
      const items: ImapValue[] = [];
      if (command.uid) items.push({ atom: "UID" }, uid);
      if (!command.silent) items.push({ atom: "FLAGS" }, flagList(info, selected.isRecent(uid)));
      if (ctx.condstore) items.push({ atom: "MODSEQ" }, [info.modseq]);
      ctx.send(untagged(selected.seqOf(uid), { atom: "FETCH" }, items));
    }
    if (result.failed.length > 0) {
      const numbers = command.uid ? result.failed : result.failed.map((u) => selected.seqOf(u));
      return {
        status: "OK",
        text: "Conditional store failed",
        code: { name: "MODIFIED", args: [{ raw: formatSequenceSet([...numbers].sort((a, b) => a - b)) }] },
      };
    }
    return { status: "OK", text: "Store completed." };
  },
};
