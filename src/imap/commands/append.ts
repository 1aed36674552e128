import { once } from "node:events";
import { PassThrough } from "node:stream";
import { isStoreError, type Mailbox } from "../../store/index.js";
import type { CommandOf, CommandSpec, ImapContext, Reply } from "../command-context.js";
import { failureReply } from "../failure-reply.js";
import { mailboxArg } from "../mailbox-arg.js";
import { splitFlags } from "../message-flags.js";
import {
  type Command,
  continuationRequest,
  dateTimeToDate,
  type ProtocolError,
  parseCommand,
  type RawCommand,
  type ReaderEvent,
} from "../protocol/index.js";

const APPEND_STATES = ["authenticated", "selected"] as const;

/** The mailbox to append to, or the NO to answer: `[TRYCREATE]` when it does not exist (RFC 3501 §6.3.11). */
async function target(ctx: ImapContext, wire: string): Promise<Mailbox | Reply> {
  const name = mailboxArg(ctx, wire);
  if (typeof name !== "string") return name;
  // Opening a mailbox re-reads its directory: a run of APPENDs (a client uploading a
  // folder) reuses the selected mailbox or the one the previous APPEND opened.
  if (ctx.selected?.name === name) return ctx.selected.mailbox;
  if (ctx.appendTarget?.name === name) return ctx.appendTarget;
  try {
    const mailbox = await ctx.store.openMailbox(name);
    ctx.appendTarget = mailbox;
    return mailbox;
  } catch (err) {
    if (!isStoreError(err, "NONEXISTENT")) throw err;
    const text = Buffer.from(`Mailbox doesn't exist: ${name}`, "utf8").toString("latin1");
    return { status: "NO", text, code: { name: "TRYCREATE" } };
  }
}

function appendOptions(command: CommandOf<"APPEND">) {
  const { system, keywords } = splitFlags(command.flags ?? []);
  return {
    flags: system,
    keywords,
    ...(command.date === null ? {} : { internalDate: dateTimeToDate(command.date) }),
  };
}

function appended(result: { uid: number; uidValidity: number }): Reply {
  return {
    status: "OK",
    text: "Append completed.",
    code: { name: "APPENDUID", args: [result.uidValidity, result.uid] },
  };
}

/** Dovecot's imap refuses an empty message before reading it (the RFC is silent). */
const ZERO_BYTES: Reply = { status: "NO", text: "Can't save a zero byte message." };

function errorReply(error: ProtocolError): Reply {
  return { status: error.status, text: error.text, code: error.code === null ? null : { name: error.code } };
}

/** APPEND whose message literal the reader buffered (it streams it whenever the head is valid). */
export const append: CommandSpec<"APPEND"> = {
  states: APPEND_STATES,
  async run(ctx, command) {
    const mailbox = await target(ctx, command.mailbox);
    if (!("append" in mailbox)) return mailbox;
    const bytes = command.message.bytes ?? Buffer.alloc(0);
    if (bytes.length === 0) return ZERO_BYTES;
    return appended(await mailbox.append(bytes, appendOptions(command)));
  },
};

/** The answer to a streamed APPEND, or a reader error that ended it (answered as any other). */
export type AppendOutcome =
  | { tag: string; reply: Reply | null; command: Command | null }
  | { error: Extract<ReaderEvent, { type: "error" }> };

/**
 * APPEND with its message streamed into the store as it arrives. The message is kept only
 * when the command ends well: a grammar error after the literal aborts the save.
 */
export async function streamAppend(
  ctx: ImapContext,
  event: Extract<ReaderEvent, { type: "literal-start" }>,
): Promise<AppendOutcome> {
  const tag = event.command.tag;
  const refuse = (reply: Reply) => {
    ctx.reader.refuseLiteral();
    return { tag, reply, command: null };
  };
  if (!(APPEND_STATES as readonly string[]).includes(ctx.state))
    return refuse({ status: "BAD", text: "Error in IMAP command APPEND: Log in first" });
  // The head alone, read as if the message were the last argument, gives mailbox, flags and date.
  const probe: RawCommand = {
    ...event.command,
    parts: [
      ...event.command.parts,
      { kind: "streamed", size: event.literal.size, binary: event.literal.binary },
      { kind: "line", bytes: Buffer.alloc(0) },
    ],
  };
  const head = parseCommand(probe, ctx.reader.limits.maxDepth);
  if (!head.ok) return refuse(errorReply(head.error));
  if (head.command.name !== "APPEND") throw new Error("literal-start outside APPEND");
  const mailbox = await target(ctx, head.command.mailbox).catch((err: unknown) => failureReply(err, ctx.log));
  if (!("append" in mailbox)) return refuse(mailbox);
  if (event.literal.size === 0) return refuse(ZERO_BYTES);

  if (event.literal.sync) ctx.send(continuationRequest());
  const body = new PassThrough();
  // The store sees an abort through its read of the stream; no other listener must be needed.
  body.on("error", () => {});
  let failure: unknown = null;
  const saving = mailbox.append(body, appendOptions(head.command)).catch((err: unknown) => {
    failure = err;
    body.resume();
    return null;
  });
  for (;;) {
    const next = await ctx.nextEvent();
    if (next.type === "literal-data") {
      if (failure === null && !body.write(next.chunk)) await Promise.race([once(body, "drain"), saving]);
    } else if (next.type === "literal-end") {
      // ended only once the command is complete (see below)
    } else if (next.type === "command") {
      const parsed = parseCommand(next.command, ctx.reader.limits.maxDepth);
      if (!parsed.ok || parsed.command.name !== "APPEND") {
        body.destroy(new Error("APPEND aborted"));
        await saving;
        return {
          tag,
          reply: parsed.ok ? { status: "BAD", text: "Invalid APPEND" } : errorReply(parsed.error),
          command: null,
        };
      }
      body.end();
      const result = await saving;
      if (result === null) return { tag, reply: failureReply(failure, ctx.log), command: parsed.command };
      return { tag, reply: appended(result), command: parsed.command };
    } else if (next.type === "error") {
      body.destroy(new Error("APPEND aborted"));
      await saving;
      return { error: next };
    } else {
      throw new Error(`unexpected ${next.type} in APPEND`);
    }
  }
}
