import { isStoreError } from "../../store/index.js";
import type { CommandSpec, ImapContext, Reply } from "../command-context.js";
import { failureReply } from "../failure-reply.js";
import {
  BodySizeMismatchError,
  type Command,
  isKnownCommand,
  parseCommand,
  type RawCommand,
} from "../protocol/index.js";
import { append } from "./append.js";
import { authenticate } from "./authenticate.js";
import { capability } from "./capability.js";
import { check } from "./check.js";
import { close } from "./close.js";
import { copy } from "./copy.js";
import { create } from "./create.js";
import { deleteMailbox } from "./delete.js";
import { enable } from "./enable.js";
import { expunge } from "./expunge.js";
import { fetch } from "./fetch.js";
import { id } from "./id.js";
import { idle } from "./idle.js";
import { list } from "./list.js";
import { login } from "./login.js";
import { logout } from "./logout.js";
import { lsub } from "./lsub.js";
import { move } from "./move.js";
import { namespace } from "./namespace.js";
import { noop } from "./noop.js";
import { rename } from "./rename.js";
import { search } from "./search.js";
import { select } from "./select.js";
import { starttls } from "./starttls.js";
import { status } from "./status.js";
import { store } from "./store.js";
import { subscribe } from "./subscribe.js";
import { unselect } from "./unselect.js";

type Specs = { [N in Command["name"]]: CommandSpec<N> };

const SPECS: Specs = {
  CAPABILITY: capability,
  NOOP: noop,
  LOGOUT: logout,
  STARTTLS: starttls,
  AUTHENTICATE: authenticate,
  LOGIN: login,
  ID: id,
  ENABLE: enable,
  NAMESPACE: namespace,
  IDLE: idle,
  CHECK: check,
  CLOSE: close,
  UNSELECT: unselect,
  SELECT: select,
  EXAMINE: select,
  CREATE: create,
  DELETE: deleteMailbox,
  RENAME: rename,
  SUBSCRIBE: subscribe,
  UNSUBSCRIBE: subscribe,
  LIST: list,
  LSUB: lsub,
  STATUS: status,
  APPEND: append,
  EXPUNGE: expunge,
  SEARCH: search,
  FETCH: fetch,
  STORE: store,
  COPY: copy,
  MOVE: move,
};

/** Dovecot's answer to a command that is valid, but not in this state. */
function wrongState(ctx: ImapContext, spec: CommandSpec<Command["name"]>, name: string): Reply {
  if (ctx.state === "authenticated" && spec.states.includes("selected"))
    return { status: "BAD", text: "No mailbox selected." };
  if (ctx.state === "not-authenticated")
    return { status: "BAD", text: `Error in IMAP command ${name}: Log in first` };
  return { status: "BAD", text: `Error in IMAP command ${name}: Already logged in` };
}

/** Checks the state, applies the grammar and runs the command; store failures become NO. */
export async function runCommand(
  ctx: ImapContext,
  raw: RawCommand,
): Promise<{ reply: Reply | null; command: Command | null }> {
  if (isKnownCommand(raw)) {
    const spec = SPECS[raw.name as Command["name"]] as CommandSpec<Command["name"]>;
    if (!spec.states.includes(ctx.state))
      return { reply: wrongState(ctx, spec, raw.uid ? `UID ${raw.name}` : raw.name), command: null };
  }
  const parsed = parseCommand(raw, ctx.reader.limits.maxDepth);
  if (!parsed.ok) {
    const { error } = parsed;
    return {
      reply: {
        status: error.status,
        text: error.text,
        code: error.code === null ? null : { name: error.code },
      },
      command: null,
    };
  }
  const command = parsed.command;
  const spec = SPECS[command.name] as CommandSpec<Command["name"]>;
  try {
    return { reply: await spec.run(ctx, command as never, parsed.tag), command };
  } catch (err) {
    // A body that came up short leaves a literal unfinished: the connection must end.
    if (err instanceof BodySizeMismatchError || (!isStoreError(err) && !ctx.connected)) throw err;
    return { reply: failureReply(err, ctx.log), command };
  }
}
