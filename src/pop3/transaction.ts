import { isStoreError } from "../store/index.js";
import { pop3Body } from "./dot-stuffing.js";
import type { Maildrop } from "./maildrop.js";

/** How transaction commands answer: one line, or a multi-line body streamed with backpressure. */
export interface Pop3Output {
  line(text: string): void;
  stream(chunks: AsyncIterable<Buffer>): Promise<void>;
}

/** The result of one command: false for one that counts as a bad command. */
export interface CommandResult {
  ok: boolean;
}

const OK: CommandResult = { ok: true };
const BAD: CommandResult = { ok: false };

/** The TRANSACTION state's commands (RFC 1939 §5, RFC 2449), with Dovecot's reply texts. */
export class Transaction {
  /** Dovecot disconnects a client that keeps fetching messages that are gone. */
  private highestExpungedFetch = 0;

  constructor(
    private readonly maildrop: Maildrop,
    private readonly out: Pop3Output,
  ) {}

  async run(name: string, args: string): Promise<CommandResult> {
    switch (name) {
      case "STAT": {
        const { count, size } = this.maildrop.stat();
        this.out.line(`+OK ${count} ${size}`);
        return OK;
      }
      case "LIST":
        return this.list(args);
      case "UIDL":
        return this.uidl(args);
      case "RETR":
        return this.retr(args);
      case "TOP":
        return this.top(args);
      case "DELE": {
        const found = this.find(args);
        if (!found) return BAD;
        this.maildrop.dele(found);
        this.out.line("+OK Marked to be deleted.");
        return OK;
      }
      case "RSET":
        this.maildrop.rset();
        this.out.line("+OK");
        return OK;
      case "NOOP":
        this.out.line("+OK");
        return OK;
    }
    this.out.line(`-ERR Unknown command: ${name}`);
    return BAD;
  }

  private find(args: string) {
    const found = this.maildrop.lookup(args);
    if ("error" in found) {
      this.out.line(`-ERR ${found.error}`);
      return undefined;
    }
    return found.entry;
  }

  private list(args: string): CommandResult {
    if (args === "") {
      const { count } = this.maildrop.stat();
      const lines = [`+OK ${count} messages:`];
      for (const { number, entry } of this.maildrop.listed()) lines.push(`${number} ${entry.size}`);
      lines.push(".");
      this.out.line(lines.join("\r\n"));
      return OK;
    }
    const entry = this.find(args);
    if (!entry) return BAD;
    this.out.line(`+OK ${this.maildrop.numberOf(entry)} ${entry.size}`);
    return OK;
  }

  private uidl(args: string): CommandResult {
    if (args === "") {
      const lines = ["+OK"];
      for (const { number, entry } of this.maildrop.listed()) lines.push(`${number} ${entry.uidl}`);
      lines.push(".");
      this.out.line(lines.join("\r\n"));
      return OK;
    }
    const entry = this.find(args);
    if (!entry) return BAD;
    this.out.line(`+OK ${this.maildrop.numberOf(entry)} ${entry.uidl}`);
    return OK;
  }

  private async retr(args: string): Promise<CommandResult> {
    const entry = this.find(args);
    if (!entry) return BAD;
    return this.fetch(entry, undefined);
  }

  private async top(args: string): Promise<CommandResult> {
    const space = args.indexOf(" ");
    if (space < 0 || !/^[0-9]/.test(args)) {
      // Dovecot checks the message number first (quoting every argument when there is none),
      // then complains about what follows it.
      const found = this.maildrop.lookup(args);
      this.out.line(`-ERR ${"error" in found ? found.error : "Noise after message number: "}`);
      return BAD;
    }
    const entry = this.find(args.slice(0, space));
    if (!entry) return BAD;
    const lines = args.slice(space).trimStart();
    if (!/^[0-9]/.test(lines)) {
      this.out.line(`-ERR Invalid size: ${lines}`);
      return BAD;
    }
    const m = /^(\d+)(.*)$/.exec(lines)!;
    if (m[2] !== "") {
      this.out.line(`-ERR Noise after size: ${m[2]}`);
      return BAD;
    }
    return this.fetch(entry, Number(m[1]));
  }

  private async fetch(entry: Parameters<Maildrop["read"]>[0], bodyLines: number | undefined) {
    const number = this.maildrop.numberOf(entry);
    let source: AsyncIterable<Buffer>;
    try {
      source = await this.maildrop.read(entry, bodyLines === undefined);
    } catch (err) {
      if (!isStoreError(err, "EXPUNGED")) throw err;
      this.out.line(`-ERR Message ${number} expunged.`);
      // Fetching a gone message again (or an earlier one) counts against the client.
      const again = number <= this.highestExpungedFetch;
      this.highestExpungedFetch = Math.max(this.highestExpungedFetch, number);
      return again ? BAD : OK;
    }
    this.out.line(bodyLines === undefined ? `+OK ${entry.size} octets` : "+OK");
    await this.out.stream(pop3Body(source, bodyLines));
    this.out.line(".");
    return OK;
  }
}
