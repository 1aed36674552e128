import type { CommandSpec } from "../command-context.js";
import { mailboxArg } from "../mailbox-arg.js";
import { untagged, untaggedStatus } from "../protocol/index.js";
import { SelectedMailbox } from "../selected-mailbox.js";

/** SELECT and EXAMINE (RFC 3501 §6.3.1-2), with RFC 7162's CONDSTORE parameter. */
export const select: CommandSpec<"SELECT" | "EXAMINE"> = {
  states: ["authenticated", "selected"],
  async run(ctx, command) {
    const name = mailboxArg(ctx, command.mailbox);
    if (typeof name !== "string") return name;
    // RFC 3501 §6.3.1: a SELECT that fails still leaves the previous mailbox. Dovecot says
    // so with RFC 7162's CLOSED code, whether or not QRESYNC is on.
    if (ctx.selected !== null) ctx.send(untaggedStatus("OK", "Previous mailbox closed.", { name: "CLOSED" }));
    ctx.select(null);
    const mailbox = await ctx.store.openMailbox(name);
    const readOnly = command.name === "EXAMINE";
    if (command.condstore) ctx.condstore = true;
    // From the shared snapshot: no pass over the index rows.
    const recent = readOnly ? [] : await mailbox.claimRecent();
    const unclaimed = readOnly ? mailbox.recentUids().length : 0;
    const selected = new SelectedMailbox(mailbox, readOnly, recent);
    const snapshot = mailbox.snapshot();
    const status = {
      uidValidity: snapshot.uidValidity,
      uidNext: snapshot.uidNext,
      highestModseq: snapshot.modseq,
    };
    const out = [
      ...selected.flagsResponses(),
      untagged(selected.count, { atom: "EXISTS" }),
      untagged(readOnly ? unclaimed : selected.recentCount, { atom: "RECENT" }),
    ];
    const firstUnseenUid = snapshot.firstUnseenUid();
    const firstUnseen = firstUnseenUid === 0 ? 0 : selected.seqOf(firstUnseenUid);
    if (firstUnseen > 0)
      out.push(untaggedStatus("OK", "First unseen.", { name: "UNSEEN", args: [firstUnseen] }));
    out.push(
      untaggedStatus("OK", "UIDs valid", { name: "UIDVALIDITY", args: [status.uidValidity] }),
      untaggedStatus("OK", "Predicted next UID", { name: "UIDNEXT", args: [status.uidNext] }),
    );
    if (ctx.condstore)
      out.push(untaggedStatus("OK", "Highest", { name: "HIGHESTMODSEQ", args: [status.highestModseq] }));
    ctx.send(...out);
    ctx.select(selected);
    return readOnly
      ? { status: "OK", text: "Examine completed.", code: { name: "READ-ONLY" } }
      : { status: "OK", text: "Select completed.", code: { name: "READ-WRITE" } };
  },
};
