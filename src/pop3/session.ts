import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { type Authenticator, type SaslConnection, saslMechanisms, type UserInfo } from "../auth/index.js";
import { type Logger, withUser } from "../log/index.js";
import { CommandQueue, isSecured, startTls, type TlsCertificates } from "../net/index.js";
import { capaResponse } from "./capabilities.js";
import { type LineEvent, LineReader } from "./line-reader.js";
import type { Pop3Mail } from "./mail-access.js";
import type { Maildrop } from "./maildrop.js";
import { PLAINTEXT_DISALLOWED, SaslLogin, type SaslOutcome } from "./sasl-login.js";
import { type Pop3Output, Transaction } from "./transaction.js";

export interface Pop3Settings {
  greeting: string;
  /** Plaintext authentication without TLS (loopback always counts as secure, as in Dovecot). */
  plaintextWithoutTls: boolean;
  maxLineLength: number;
}

export interface Pop3Context {
  auth: Authenticator;
  tls: TlsCertificates | null;
  mail: Pop3Mail;
  settings: Pop3Settings;
}

/** Dovecot's limits on consecutive bad commands: pop3-login's, then pop3's. */
const MAX_BAD_BEFORE_LOGIN = 10;
const MAX_BAD_AFTER_LOGIN = 20;

const AUTH_FAILED = "-ERR [AUTH] Authentication failed.";
const TLS_REQUIRED = "-ERR [AUTH] Authentication not allowed until SSL/TLS is enabled.";

/** One POP3 connection: AUTHORIZATION → TRANSACTION → UPDATE at QUIT (RFC 1939 §3). */
export class Pop3Session implements Pop3Output {
  private socket: Socket;
  private readonly reader: LineReader;
  private readonly queue = new CommandQueue<LineEvent>({
    socket: () => this.socket,
    closed: () => this.closed,
    run: (event) => this.runEvent(event),
    failed: (err) => {
      this.log.error({ err }, "internal error in POP3 session");
      this.line("-ERR [SYS/TEMP] Internal error occurred. Refer to server log for more information.");
      this.close();
    },
  });
  private closed = false;
  private secure: boolean;
  private badCommands = 0;
  private userName: string | null = null;
  private readonly sasl: SaslLogin;
  private transaction: Transaction | null = null;
  private maildrop: Maildrop | null = null;
  private readonly onChunk = (chunk: Buffer) => this.onData(chunk);
  private readonly onClose = () => {
    this.closed = true;
    // A dropped connection never reaches UPDATE: nothing marked with DELE is expunged.
    void this.release();
  };
  private endSession: (() => Promise<void>) | null = null;

  constructor(
    socket: Socket,
    private readonly ip: string,
    private log: Logger,
    private readonly ctx: Pop3Context,
    /** Stops counting the connection as one that has not logged in (per-address limit). */
    private readonly releaseUnauthenticated: () => void = () => {},
  ) {
    this.socket = socket;
    this.sasl = new SaslLogin(ctx.auth);
    this.secure = isSecured(socket, ip);
    this.reader = new LineReader(ctx.settings.maxLineLength);
    this.attach(socket);
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    socket.on("data", this.onChunk);
    socket.on("close", this.onClose);
  }

  greet(): void {
    this.line(`+OK ${this.ctx.settings.greeting}`);
  }

  /** The idle timeout's goodbye, written on the current (maybe TLS) socket. */
  idle(): void {
    this.line("-ERR Disconnected for inactivity.");
  }

  line(text: string): void {
    if (!this.closed) this.socket.write(`${text}\r\n`, "latin1");
  }

  async stream(chunks: AsyncIterable<Buffer>): Promise<void> {
    for await (const chunk of chunks) {
      if (this.closed) return;
      if (!this.socket.write(chunk)) {
        // Flush what the command has corked so far, and wait until the client has read it.
        this.socket.uncork();
        await this.drained();
        this.socket.cork();
      }
    }
  }

  private drained(): Promise<void> {
    const socket = this.socket;
    return new Promise((resolve) => {
      const done = () => {
        socket.off("drain", done);
        socket.off("close", done);
        resolve();
      };
      socket.on("drain", done);
      socket.on("close", done);
    });
  }

  private isTls(): boolean {
    return "encrypted" in this.socket;
  }

  private saslConnection(): SaslConnection {
    return {
      remoteIp: this.ip === "unix" ? undefined : this.ip,
      tls: this.isTls() ? (this.socket as TLSSocket) : null,
      plaintextAllowed: this.plaintextAllowed(),
    };
  }

  private plaintextAllowed(): boolean {
    return this.secure || (this.ctx.settings.plaintextWithoutTls && this.authAllowed());
  }

  /** tls.mode = "required" refuses every mechanism before TLS (Dovecot's ssl = required). */
  private authAllowed(): boolean {
    return this.secure || this.ctx.tls?.required !== true;
  }

  private close(): void {
    this.closed = true;
    this.socket.end();
  }

  private async release(): Promise<void> {
    const end = this.endSession;
    this.endSession = null;
    this.transaction = null;
    this.maildrop = null;
    await end?.();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.queue.push(this.reader.push(chunk));
  }

  private async runEvent(event: LineEvent): Promise<void> {
    if (event.kind === "too-long") {
      this.line("-ERR Input line too long.");
      this.close();
    } else if (event.kind === "nul") {
      this.bad("-ERR Invalid NUL byte in command.");
    } else {
      // One command's lines and body leave in as few writes as the socket allows.
      const socket = this.socket;
      socket.cork();
      try {
        await this.command(event.text);
      } finally {
        socket.uncork();
      }
    }
  }

  private bad(reply: string): void {
    this.line(reply);
    const limit = this.transaction ? MAX_BAD_AFTER_LOGIN : MAX_BAD_BEFORE_LOGIN;
    if (++this.badCommands >= limit) {
      this.line("-ERR Too many bad commands.");
      this.close();
    }
  }

  private async command(text: string): Promise<void> {
    if (this.sasl.active) {
      await this.saslOutcome(await this.sasl.respond(text));
      return;
    }
    const space = text.indexOf(" ");
    const name = (space < 0 ? text : text.slice(0, space)).toUpperCase();
    const args = space < 0 ? "" : text.slice(space + 1).replace(/^ +/, "");
    if (name === "CAPA") {
      this.badCommands = 0;
      this.line(
        capaResponse({
          loggedIn: this.transaction !== null,
          stls: this.ctx.tls?.enabled === true && !this.isTls(),
          user: this.plaintextAllowed(),
          sasl: this.authAllowed()
            ? saslMechanisms(this.ctx.auth, this.saslConnection()).map((m) => m.name)
            : [],
        }),
      );
      return;
    }
    if (this.transaction) return this.transactionCommand(name, args);
    const ok = await this.authorizationCommand(name, args);
    if (ok) this.badCommands = 0;
  }

  private async transactionCommand(name: string, args: string): Promise<void> {
    if (name === "QUIT") return this.quit();
    const result = await this.transaction!.run(name, args);
    if (result.ok) this.badCommands = 0;
    else if (++this.badCommands >= MAX_BAD_AFTER_LOGIN) {
      this.line("-ERR Too many bad commands.");
      this.close();
    }
  }

  /** The UPDATE state: apply DELE and \Seen, then say goodbye. */
  private async quit(): Promise<void> {
    const maildrop = this.maildrop!;
    this.transaction = null;
    try {
      const { deleted } = await maildrop.commit();
      this.line(deleted > 0 ? "+OK Logging out, messages deleted." : "+OK Logging out.");
      this.log.info({ deleted }, "logged out");
    } catch (err) {
      this.log.error({ err }, "storage error during logout");
      this.line("-ERR [SYS/TEMP] Internal error occurred. Refer to server log for more information.");
    }
    await this.release();
    this.close();
  }

  /** AUTHORIZATION state; returns false for a bad command. */
  private async authorizationCommand(name: string, args: string): Promise<boolean> {
    switch (name) {
      case "QUIT":
        this.line("+OK Logging out");
        this.close();
        return true;
      case "STLS":
        return this.stls();
      case "USER":
        if (!this.plaintextAllowed()) {
          this.bad(PLAINTEXT_DISALLOWED);
          return false;
        }
        this.userName = Buffer.from(args, "latin1").toString("utf8");
        this.line("+OK");
        return true;
      case "PASS":
        return this.pass(args);
      case "AUTH":
        return this.auth(args);
    }
    this.bad("-ERR Unknown command.");
    return false;
  }

  private async stls(): Promise<boolean> {
    if (!this.ctx.tls?.enabled) {
      this.bad("-ERR TLS support isn't enabled.");
      return false;
    }
    if (this.isTls()) {
      this.bad("-ERR TLS is already active.");
      return false;
    }
    this.line("+OK Begin TLS negotiation now.");
    // The reply must leave before the handshake can begin.
    this.socket.uncork();
    // Anything pipelined after STLS was sent in the clear and is dropped (RFC 2595 §4).
    this.queue.clear();
    const plain = this.socket;
    plain.off("data", this.onChunk);
    plain.off("close", this.onClose);
    plain.pause();
    try {
      const tls = await startTls(plain, this.ctx.tls);
      this.secure = true;
      this.attach(tls);
      return true;
    } catch (err) {
      this.log.info({ err: (err as Error).message }, "TLS handshake failed");
      plain.destroy();
      this.closed = true;
      return true;
    }
  }

  private async pass(args: string): Promise<boolean> {
    if (!this.plaintextAllowed()) {
      this.bad(PLAINTEXT_DISALLOWED);
      return false;
    }
    if (this.userName === null) {
      this.bad("-ERR No username given.");
      return false;
    }
    const user = this.userName;
    this.userName = null;
    await this.login(user, Buffer.from(args, "latin1").toString("utf8"), "USER");
    return true;
  }

  private async auth(args: string): Promise<boolean> {
    if (!this.authAllowed()) {
      // Dovecot still answers the bare AUTH probe, with an empty list.
      if (args === "") this.line("+OK\r\n.");
      else this.bad(TLS_REQUIRED);
      return args === "";
    }
    return this.saslOutcome(await this.sasl.start(args, this.saslConnection()));
  }

  private async saslOutcome(outcome: SaslOutcome): Promise<boolean> {
    if (outcome.kind === "challenge") {
      this.line(outcome.text);
      return true;
    }
    if (outcome.kind === "reply") {
      if (!outcome.bad) this.line(outcome.text);
      else this.bad(outcome.text);
      return !outcome.bad;
    }
    if (outcome.kind === "failed") this.failed(undefined, outcome.mechanism, outcome.result);
    else await this.openMaildrop(outcome.result.user, outcome.mechanism);
    return true;
  }

  private async login(user: string, password: string, mechanism: string): Promise<void> {
    const result = await this.ctx.auth.login(user, password, this.saslConnection().remoteIp);
    if (!result.ok) return this.failed(user, mechanism, result);
    await this.openMaildrop(result.user, mechanism);
  }

  /** The same answer whatever went wrong (the delay was spent by auth), so a guesser learns nothing. */
  private failed(
    user: string | undefined,
    mechanism: string,
    result: { reason: string; userMessage?: string },
  ): void {
    this.log.info({ user, mechanism, reason: result.reason }, "authentication failed");
    this.line(result.userMessage ? `-ERR [AUTH] ${result.userMessage}` : AUTH_FAILED);
  }

  private async openMaildrop(user: UserInfo, mechanism: string): Promise<void> {
    this.log = withUser(this.log, user.user);
    const opened = await this.ctx.mail.open(user, this.log);
    if ("error" in opened) {
      this.log.info({ reason: opened.reason }, "POP3 session refused after login");
      this.line(opened.error);
      this.close();
      return;
    }
    this.endSession = opened.release;
    if (this.closed) {
      // The client went away while the mailbox was opening.
      await this.release();
      return;
    }
    this.releaseUnauthenticated();
    this.maildrop = opened.maildrop;
    this.transaction = new Transaction(opened.maildrop, this);
    this.badCommands = 0;
    this.log.info({ mechanism, messages: opened.maildrop.messageCount }, "logged in");
    this.line("+OK Logged in.");
  }
}
