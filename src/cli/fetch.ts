import type { Command } from "commander";
import { EX_USAGE, ExitError } from "../exit-codes/index.js";
import { QueryMessage } from "./mail-query.js";
import { type FoundMessage, printRows, searchMessages, withUserStore } from "./user-mail.js";

const PLAIN_FIELDS = [
  "mailbox",
  "uid",
  "seq",
  "guid",
  "flags",
  "modseq",
  "size",
  "size.physical",
  "size.virtual",
  "date.received",
  "date.saved",
  "hdr",
  "body",
  "text",
];

async function value(field: string, found: FoundMessage): Promise<string | number> {
  const { info } = found;
  const message = new QueryMessage(found.mailbox, info, found.seq, false);
  if (field.startsWith("hdr.")) return (await message.headerValues(field.slice(4).toLowerCase())).join(", ");
  switch (field) {
    case "mailbox":
      return found.mailbox.name;
    case "uid":
      return info.uid;
    case "seq":
      return found.seq;
    case "guid":
      return info.guid;
    case "flags":
      return [...info.flags, ...info.keywords].join(" ");
    case "modseq":
      return info.modseq;
    case "size":
    case "size.virtual":
      return info.vsize;
    case "size.physical":
      return info.size;
    case "date.received":
      return info.internalDate.toISOString();
    case "date.saved":
      return info.savedDate.toISOString();
    case "hdr":
      return message.headerText();
    case "body": {
      const part = await found.mailbox.structure(info.uid);
      return (await message.bytes()).subarray(part.bodyStart).toString("utf8");
    }
    case "text":
      return (await message.bytes()).toString("utf8");
  }
  throw new ExitError(`unknown fetch field ${JSON.stringify(field)}`, EX_USAGE);
}

/** `loft fetch -u USER [--json] 'uid flags size hdr.subject …' QUERY`, like doveadm fetch. */
export function register(program: Command): void {
  program
    .command("fetch <fields> <query...>")
    .description(`print fields of matching messages: ${PLAIN_FIELDS.join(" ")} hdr.<name>`)
    .requiredOption("-u, --user <user>", "the user whose mail to use")
    .option("--json", "print a JSON array")
    .action(
      async (fieldText: string, query: string[], opts: { user: string; json?: boolean }, cmd: Command) => {
        const fields = fieldText.split(/\s+/).filter(Boolean);
        if (fields.length === 0) throw new ExitError("no fetch fields given", EX_USAGE);
        for (const f of fields) {
          if (!PLAIN_FIELDS.includes(f) && !/^hdr\.[!-9;-~]+$/.test(f)) {
            throw new ExitError(`unknown fetch field ${JSON.stringify(f)}`, EX_USAGE);
          }
        }
        await withUserStore(cmd, opts.user, async (store) => {
          const rows: Record<string, string | number>[] = [];
          for (const found of await searchMessages(store, query)) {
            const row: Record<string, string | number> = {};
            for (const f of fields) row[f] = await value(f, found);
            rows.push(row);
          }
          printRows(fields, rows, opts.json === true);
        });
      },
    );
}
