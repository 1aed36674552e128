import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import {
  type Authenticator,
  decodeSaslResponse,
  type SaslConnection,
  type SaslSession,
  saslMechanisms,
  startSasl,
  type UserInfo,
} from "../auth/index.js";
import { type Logger, withUser } from "../log/index.js";
import { CommandQueue, isSecured, startTls, type TlsCertificates } from "../net/index.js";
import type { SieveEngine } from "../sieve/index.js";
import { parseScriptLocation, type ScriptQuota, SieveScriptStore } from "../sieve-scripts/index.js";
import { capabilityLines } from "./capabilities.js";
import { type Argument, CommandReader, type ParsedCommand, type ReaderEvent } from "./reader.js";
import { response, type Status } from "./responses.js";
import { runScriptCommand, SCRIPT_COMMANDS } from "./script-commands.js";

export interface ManageSieveSettings {
  implementation: string;
  /** Plaintext SASL without TLS (loopback always counts as secure, as in Dovecot). */
  plaintextWithoutTls: boolean;
  scriptLocation: string;
  quota: ScriptQuota;
  maxRedirects: number;
  maxLineLength: number;
}

export interface ManageSieveContext {
  log: Logger;
  auth: Authenticator;
  engine: SieveEngine;
  tls: TlsCertificates | null;
  settings: ManageSieveSettings;
  /** Stops counting the connection as one that has not logged in (per-address limit). */
  releaseUnauthenticated?: () => void;
}

/** After this many bad commands in a row the client is disconnected. */
const MAX_BAD_COMMANDS = 10;

/** One ManageSieve connection: not authenticated → authenticated → logged out. */
export class ManageSieveSession {
  private reader: CommandReader;
  private socket: Socket;
  private readonly queue = new CommandQueue<ReaderEvent>({
    socket: () => this.socket,
    closed: () => this.closed,
    run: (event) => (event.kind === "error" ? this.onBadInput(event) : this.handle(event.command)),
    failed: (err) => {
      this.log.error({ err }, "internal error in ManageSieve session");
      this.bye("Internal error occurred. Refer to server log for more information.");
    },
  });
  private closed = false;
  private secure: boolean;
  private badCommands = 0;
  private user: UserInfo | null = null;
  private scripts: SieveScriptStore | null = null;
  private sasl: SaslSession | null = null;

  constructor(
    socket: Socket,
    private readonly ip: string,
    private log: Logger,
    private readonly ctx: ManageSieveContext,
  ) {
    this.socket = socket;
    this.secure = isSecured(socket, ip);
    this.reader = new CommandReader({
      maxLineLength: ctx.settings.maxLineLength,
      // A script literal may exceed the size quota by a little; larger ones are skipped unread.
      maxLiteralSize: ctx.settings.quota.maxScriptSize + 1024,
    });
    this.attach(socket);
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("close", () => {
      this.closed = true;
    });
  }

  greet(): void {
    this.write(
      Buffer.concat([this.capabilities(), response("OK", `${this.ctx.settings.implementation} ready.`)]),
    );
  }

  private plaintextAllowed(): boolean {
    return this.secure || (this.ctx.settings.plaintextWithoutTls && this.authAllowed());
  }

  /** tls.mode = "required" refuses every mechanism before TLS (Dovecot's ssl = required). */
  private authAllowed(): boolean {
    return this.secure || this.ctx.tls?.required !== true;
  }

  private capabilities(): Buffer {
    return capabilityLines({
      implementation: this.ctx.settings.implementation,
      sieveExtensions: this.ctx.engine.capabilities(),
      sasl: this.user
        ? null
        : this.authAllowed()
          ? saslMechanisms(this.ctx.auth, this.saslConnection()).map((m) => m.name)
          : [],
      startTls: this.ctx.tls?.enabled === true && !this.isTls(),
      maxRedirects: this.user ? this.ctx.settings.maxRedirects : null,
    });
  }

  private isTls(): boolean {
    return "encrypted" in this.socket;
  }

  private write(data: Buffer): void {
    if (!this.closed) this.socket.write(data);
  }

  private reply(status: Status, text: string, code?: string, codeArg?: string): void {
    this.write(response(status, text, code, codeArg));
  }

  /** The listener's idle timeout ran out. */
  idle(): void {
    this.bye("Disconnected for inactivity.", "TRYLATER");
  }

  private bye(text: string, code?: string): void {
    this.reply("BYE", text, code);
    this.socket.end();
    this.closed = true;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.queue.push(this.reader.push(chunk));
  }

  private onBadInput(event: Extract<ReaderEvent, { kind: "error" }>): void {
    if (this.sasl) {
      this.sasl = null;
      this.reader.expectResponse = false;
    }
    if (
      event.literalTooLarge !== undefined &&
      (event.command === "PUTSCRIPT" || event.command === "CHECKSCRIPT")
    ) {
      this.reply(
        "NO",
        `Script is too large (max ${this.ctx.settings.quota.maxScriptSize} bytes).`,
        "QUOTA/MAXSIZE",
      );
    } else {
      this.reply(
        "NO",
        `Error in MANAGESIEVE command${event.command ? ` ${event.command}` : ""}: ${event.message}`,
      );
    }
    if (++this.badCommands >= MAX_BAD_COMMANDS) this.bye("Too many invalid commands.");
  }

  private async handle(command: ParsedCommand): Promise<void> {
    if (this.sasl) return this.saslContinue(command.args);
    const { name, args } = command;
    const known = [
      "CAPABILITY",
      "LOGOUT",
      "NOOP",
      "STARTTLS",
      "AUTHENTICATE",
      "UNAUTHENTICATE",
      ...SCRIPT_COMMANDS,
    ];
    if (!known.includes(name)) return this.bad(`Error in MANAGESIEVE command ${name}: Unknown command.`);
    this.badCommands = 0;
    switch (name) {
      case "CAPABILITY":
        if (args.length > 0) return this.bad("CAPABILITY takes no arguments.");
        this.write(this.capabilities());
        return this.reply("OK", "Capability completed.");
      case "LOGOUT":
        this.reply("OK", "Logout completed.");
        this.socket.end();
        this.closed = true;
        return;
      case "NOOP": {
        const tag = args[0];
        if (args.length > 1 || (tag && tag.kind !== "string"))
          return this.bad("NOOP takes one optional string.");
        return tag
          ? this.reply("OK", "Done", "TAG", tag.value.toString("utf8"))
          : this.reply("OK", "NOOP Completed");
      }
      case "STARTTLS":
        return this.startTls(args);
      case "AUTHENTICATE":
        return this.authenticate(args);
      case "UNAUTHENTICATE":
        if (!this.user) return this.reply("NO", "Not logged in.");
        this.log.info("logged out (UNAUTHENTICATE)");
        this.user = null;
        this.scripts = null;
        return this.reply("OK", "Unauthenticate completed.");
    }
    if (!this.scripts) return this.reply("NO", "Authenticate first.");
    const result = runScriptCommand(name, args, {
      scripts: this.scripts,
      engine: this.ctx.engine,
      log: this.log,
    });
    this.write(result);
  }

  private bad(text: string): void {
    this.reply("NO", text);
    if (++this.badCommands >= MAX_BAD_COMMANDS) this.bye("Too many invalid commands.");
  }

  private async startTls(args: Argument[]): Promise<void> {
    if (args.length > 0) return this.bad("STARTTLS takes no arguments.");
    if (!this.ctx.tls?.enabled) return this.reply("NO", "TLS support isn't enabled.");
    if (this.isTls()) return this.reply("NO", "TLS is already active.");
    if (this.queue.waiting > 0) return this.bye("Commands pipelined after STARTTLS.");
    this.reply("OK", "Begin TLS negotiation now.");
    const plain = this.socket;
    plain.removeAllListeners("data");
    plain.pause();
    try {
      const tls = await startTls(plain, this.ctx.tls);
      this.secure = true;
      this.attach(tls);
      // RFC 5804 §2.2: the server sends its capabilities again after the TLS handshake.
      this.write(Buffer.concat([this.capabilities(), response("OK", "TLS negotiation successful.")]));
    } catch (err) {
      this.log.info({ err: (err as Error).message }, "TLS handshake failed");
      plain.destroy();
      this.closed = true;
    }
  }

  private saslConnection(): SaslConnection {
    return {
      remoteIp: this.ip === "unix" ? undefined : this.ip,
      tls: this.isTls() ? (this.socket as TLSSocket) : null,
      plaintextAllowed: this.plaintextAllowed(),
    };
  }

  private async authenticate(args: Argument[]): Promise<void> {
    if (this.user) return this.reply("NO", "Already authenticated.");
    const [mech, initial] = args;
    if (mech?.kind !== "string" || args.length > 2 || (initial && initial.kind !== "string"))
      return this.bad("AUTHENTICATE takes a mechanism name and an optional initial response.");
    if (!this.authAllowed())
      return this.reply("NO", "Authentication not allowed until SSL/TLS is enabled.", "ENCRYPT-NEEDED");
    // RFC 5804 §2.1: the server's last SASL data goes in the OK's SASL response code.
    const session = startSasl(this.ctx.auth, mech.value.toString("utf8"), this.saslConnection(), {
      finalInSuccess: true,
    });
    if (session === "encrypt")
      return this.reply(
        "NO",
        "Plaintext authentication disallowed on non-secure connections.",
        "ENCRYPT-NEEDED",
      );
    if (session === "unsupported") return this.reply("NO", "Unsupported SASL mechanism.");
    this.sasl = session;
    let first: Buffer | null = null;
    if (initial) {
      const decoded = decodeSaslResponse(initial.value.toString("latin1"));
      if ("error" in decoded || "cancel" in decoded)
        return this.saslFail("Invalid base64 data in initial response.");
      first = decoded.data;
    }
    return this.saslStep(first);
  }

  private async saslContinue(args: Argument[]): Promise<void> {
    const [answer] = args;
    if (args.length !== 1 || answer?.kind !== "string") return this.saslFail("Invalid SASL response.");
    const decoded = decodeSaslResponse(answer.value.toString("latin1"));
    if ("cancel" in decoded) {
      this.sasl = null;
      this.reader.expectResponse = false;
      return this.reply("NO", "Authentication aborted by client.");
    }
    if ("error" in decoded) return this.saslFail(decoded.error);
    return this.saslStep(decoded.data);
  }

  private async saslStep(data: Buffer | null): Promise<void> {
    const session = this.sasl!;
    const outcome = await session.step(data);
    if (outcome.kind === "challenge") {
      this.reader.expectResponse = true;
      return this.write(Buffer.from(`"${outcome.data.toString("base64")}"\r\n`));
    }
    this.reader.expectResponse = false;
    this.sasl = null;
    if (outcome.kind === "failure") {
      // The same answer whatever went wrong (auth spent the delay), so a guesser learns nothing.
      this.log.info({ mechanism: session.mechanism, reason: outcome.result.reason }, "authentication failed");
      return this.reply("NO", outcome.result.userMessage ?? "Authentication failed.");
    }
    const user = outcome.result.user;
    const home = user.home;
    if (!home) {
      this.log.error({ user: user.user }, "user has no home directory; cannot store Sieve scripts");
      return this.reply(
        "NO",
        "Internal error occurred. Refer to server log for more information.",
        "TRYLATER",
      );
    }
    this.user = user;
    this.scripts = new SieveScriptStore(
      parseScriptLocation(this.ctx.settings.scriptLocation, home),
      this.ctx.settings.quota,
      user,
    );
    this.ctx.releaseUnauthenticated?.();
    this.log = withUser(this.log, user.user);
    this.log.info({ mechanism: session.mechanism, master: outcome.result.master }, "logged in");
    if (outcome.final) this.reply("OK", "Logged in.", "SASL", outcome.final.toString("base64"));
    else this.reply("OK", "Logged in.");
  }

  private saslFail(reason: string): void {
    this.sasl = null;
    this.reader.expectResponse = false;
    this.reply("NO", reason);
  }
}
