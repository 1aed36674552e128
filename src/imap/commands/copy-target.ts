import type { CopyResult } from "../../store/index.js";
import { isStoreError } from "../../store/index.js";
import type { ImapContext, Reply } from "../command-context.js";
import { mailboxArg } from "../mailbox-arg.js";
import { formatSequenceSet, type ResponseCode } from "../protocol/index.js";

/** The destination of COPY/MOVE, checked to exist: `NO [TRYCREATE]` otherwise (RFC 3501 §6.4.7). */
export async function copyTarget(ctx: ImapContext, wire: string): Promise<string | Reply> {
  const name = mailboxArg(ctx, wire);
  if (typeof name !== "string") return name;
  try {
    await ctx.store.status(name);
  } catch (err) {
    if (!isStoreError(err, "NONEXISTENT")) throw err;
    const text = Buffer.from(`Mailbox doesn't exist: ${name}`, "utf8").toString("latin1");
    return { status: "NO", text, code: { name: "TRYCREATE" } };
  }
  return name;
}

/** RFC 4315 §3 COPYUID validity source-set destination-set. */
export function copyUid(result: CopyResult): ResponseCode | null {
  if (result.uids.length === 0) return null;
  return {
    name: "COPYUID",
    args: [
      result.uidValidity,
      { raw: formatSequenceSet(result.uids.map(([source]) => source)) },
      { raw: formatSequenceSet(result.uids.map(([, dest]) => dest)) },
    ],
  };
}
