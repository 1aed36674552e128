import type { Command } from "commander";
import { EX_USAGE, ExitError } from "../exit-codes/index.js";
import { type MailboxStatus, StoreError } from "../store/index.js";
import { printRows, withUserStore } from "./user-mail.js";

const STATUS_FIELDS = [
  "messages",
  "recent",
  "unseen",
  "uidnext",
  "uidvalidity",
  "highestmodseq",
  "vsize",
] as const;
type StatusField = (typeof STATUS_FIELDS)[number];

function statusValue(status: MailboxStatus, field: StatusField): number {
  switch (field) {
    case "messages":
      return status.messages;
    case "recent":
      return status.recent;
    case "unseen":
      return status.unseen;
    case "uidnext":
      return status.uidNext;
    case "uidvalidity":
      return status.uidValidity;
    case "highestmodseq":
      return status.highestModseq;
    case "vsize":
      return status.size;
  }
}

/** Runs one mailbox operation; a failure names the operation and the mailbox, as doveadm's do. */
async function naming(what: string, box: string, work: Promise<void>): Promise<void> {
  try {
    await work;
  } catch (err) {
    if (err instanceof StoreError)
      throw new StoreError(err.code, `Can't ${what} mailbox ${box}: ${err.message}`);
    throw err;
  }
}

interface UserOption {
  user: string;
}

/** `loft mailbox list|create|delete|rename|subscribe|unsubscribe|status -u USER`, like doveadm mailbox. */
export function register(program: Command): void {
  const mailbox = program.command("mailbox").description("manage a user's mailboxes (like doveadm mailbox)");
  const withUser = (c: Command) => c.requiredOption("-u, --user <user>", "the user whose mail to use");

  withUser(mailbox.command("list").description("list mailboxes"))
    .option("-s, --subscribed", "only subscribed mailboxes")
    .option("--json", "print a JSON array")
    .action(async (opts: UserOption & { subscribed?: boolean; json?: boolean }, cmd: Command) => {
      await withUserStore(cmd, opts.user, async (store) => {
        const list = await store.listMailboxes();
        const rows = list
          .filter((m) => !opts.subscribed || m.subscribed)
          .map((m) => ({
            mailbox: m.name,
            attributes: [
              ...(m.selectable ? [] : ["\\Noselect"]),
              m.hasChildren ? "\\HasChildren" : "\\HasNoChildren",
              ...(m.subscribed ? ["\\Subscribed"] : []),
              ...(m.specialUse ? [m.specialUse] : []),
            ].join(" "),
          }));
        printRows(["mailbox", "attributes"], rows, opts.json === true);
      });
    });

  const each = (
    name: string,
    description: string,
    work: (store: Parameters<Parameters<typeof withUserStore>[2]>[0], box: string) => Promise<void>,
  ) =>
    withUser(mailbox.command(`${name} <names...>`).description(description)).action(
      async (names: string[], opts: UserOption, cmd: Command) => {
        await withUserStore(cmd, opts.user, async (store) => {
          for (const box of names) await naming(name, box, work(store, box));
        });
      },
    );
  each("create", "create mailboxes", (store, box) => store.createMailbox(box));
  each("delete", "delete mailboxes and their messages", (store, box) => store.deleteMailbox(box));
  each("subscribe", "subscribe to mailboxes", (store, box) => store.subscribe(box));
  each("unsubscribe", "unsubscribe from mailboxes", (store, box) => store.unsubscribe(box));

  withUser(mailbox.command("rename <from> <to>").description("rename a mailbox and its children")).action(
    async (from: string, to: string, opts: UserOption, cmd: Command) => {
      await withUserStore(cmd, opts.user, (store) => naming("rename", from, store.renameMailbox(from, to)));
    },
  );

  withUser(
    mailbox
      .command("status <fields> <names...>")
      .description(`mailbox status; fields: ${STATUS_FIELDS.join(" ")} or all`),
  )
    .option("--json", "print a JSON array")
    .action(
      async (fieldText: string, names: string[], opts: UserOption & { json?: boolean }, cmd: Command) => {
        const wanted = fieldText.split(/\s+/).filter(Boolean);
        const fields = wanted.includes("all") ? [...STATUS_FIELDS] : wanted;
        for (const f of fields) {
          if (!(STATUS_FIELDS as readonly string[]).includes(f)) {
            throw new ExitError(`unknown status field ${JSON.stringify(f)}`, EX_USAGE);
          }
        }
        await withUserStore(cmd, opts.user, async (store) => {
          const rows: Record<string, string | number>[] = [];
          for (const name of names) {
            const status = await store.status(name);
            rows.push({
              mailbox: status.name,
              ...Object.fromEntries(fields.map((f) => [f, statusValue(status, f as StatusField)])),
            });
          }
          printRows(["mailbox", ...fields], rows, opts.json === true);
        });
      },
    );
}
