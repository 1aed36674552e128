import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { type Authenticator, type SaslConnection, saslMechanisms, type UserInfo } from "../auth/index.js";
import { type Logger, withUser } from "../log/index.js";
import { isSecured, startTls, type TlsCertificates } from "../net/index.js";
import type { Mailbox, UserStore } from "../store/index.js";
import { capabilityList } from "./capabilities.js";
import type { ImapContext, ImapSettings, Reply, SessionState } from "./command-context.js";
import { streamAppend } from "./commands/append.js";
import { runCommand } from "./commands/index.js";
import { failureReply } from "./failure-reply.js";
import {
  type Command,
  CommandReader,
  continuationRequest,
  errorResponse,
  type ReaderEvent,
  type ResponsePart,
  taggedResponse,
  untaggedStatus,
  writeResponse,
} from "./protocol/index.js";
import type { SelectedMailbox } from "./selected-mailbox.js";
import type { UserConnections } from "./user-connections.js";

export interface SessionDeps {
  log: Logger;
  auth: Authenticator;
  settings: ImapSettings;
  tls: TlsCertificates | null;
  openMail(user: UserInfo, log: Logger): Promise<UserStore>;
  /** Sessions per user and address (null: no limit). */
  userConnections: UserConnections | null;
  /** Stops counting the connection as one that has not logged in (per-address limit). */
  releaseUnauthenticated?: () => void;
}

/** Dovecot disconnects after this many bad commands in a row (imap-client.c). */
const MAX_BAD_COMMANDS = 20;
/** Input held before the socket is paused. */
const READ_HIGH_WATER = 256 * 1024;
/**
 * Response bytes queued on the socket before a long answer waits for the client to read: waiting
 * at the socket's own 16 KiB mark would stop a big FETCH every few dozen messages.
 */
const WRITE_HIGH_WATER = 1024 * 1024;
/** RFC 3501 §5.4: at least 30 minutes after login; Dovecot's imap-login waits less before it. */
const PRE_LOGIN_TIMEOUT_MS = 60_000;

class SessionClosed extends Error {}

/** Commands whose answers may not carry EXPUNGE in their non-UID form (RFC 3501 §7.4.1). */
const NO_EXPUNGE = new Set(["FETCH", "STORE", "SEARCH"]);

/** One IMAP connection: reads commands one at a time and runs them in its state. */
export class ImapSession implements ImapContext {
  readonly reader = new CommandReader();
  readonly auth: Authenticator;
  readonly settings: ImapSettings;
  log: Logger;
  private socket: Socket;
  private secure: boolean;
  private closed = false;
  private wake: (() => void) | null = null;
  private badCommands = 0;
  private sessionState: SessionState = "not-authenticated";
  private userStore: UserStore | null = null;
  private current: SelectedMailbox | null = null;
  private changeListener: (() => void) | null = null;
  /** The socket held corked while a command runs. */
  private corked: Socket | null = null;
  private releaseUser: (() => void) | null = null;
  condstore = false;
  savedSearch: number[] = [];
  appendTarget: Mailbox | null = null;

  constructor(
    socket: Socket,
    readonly remoteIp: string,
    private readonly deps: SessionDeps,
    private readonly idleTimeoutMs: number,
    /** The TCP socket under a TLS one (implicit TLS): the listener's idle timer runs on it. */
    private readonly raw: Socket = socket,
  ) {
    this.socket = socket;
    this.log = deps.log;
    this.auth = deps.auth;
    this.settings = deps.settings;
    this.secure = isSecured(socket, remoteIp);
    raw.setTimeout(Math.min(PRE_LOGIN_TIMEOUT_MS, idleTimeoutMs));
    this.attach(socket);
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.reader.push(chunk);
      if (this.reader.bufferedBytes > READ_HIGH_WATER) socket.pause();
      this.wake?.();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on("error", () => socket.destroy());
  }

  get connected(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  get state(): SessionState {
    return this.sessionState;
  }

  get store(): UserStore {
    if (this.userStore === null) throw new Error("no user store before login");
    return this.userStore;
  }

  get selected(): SelectedMailbox | null {
    return this.current;
  }

  greet(): void {
    const caps = this.capabilities().join(" ");
    this.send(untaggedStatus("OK", `${this.settings.implementation} ready.`, { name: `CAPABILITY ${caps}` }));
    void this.loop();
  }

  plaintextAllowed(): boolean {
    return this.secure || (this.settings.plaintextWithoutTls && this.authAllowed());
  }

  authAllowed(): boolean {
    return this.secure || this.deps.tls?.required !== true;
  }

  saslConnection(): SaslConnection {
    return {
      remoteIp: this.remoteIp === "unix" ? undefined : this.remoteIp,
      tls: "encrypted" in this.socket ? (this.socket as TLSSocket) : null,
      plaintextAllowed: this.plaintextAllowed(),
    };
  }

  canStartTls(): boolean {
    return this.deps.tls?.enabled === true && !("encrypted" in this.socket);
  }

  capabilities(): string[] {
    return capabilityList({
      authenticated: this.sessionState !== "not-authenticated",
      startTls: this.canStartTls(),
      plaintextAllowed: this.plaintextAllowed(),
      authAllowed: this.authAllowed(),
      mechanisms:
        this.sessionState === "not-authenticated"
          ? saslMechanisms(this.auth, this.saslConnection()).map((m) => m.name)
          : [],
    });
  }

  send(...responses: Buffer[]): void {
    if (this.closed || responses.length === 0) return;
    this.socket.write(responses.length === 1 ? responses[0]! : Buffer.concat(responses));
  }

  async sendBatch(data: Buffer): Promise<void> {
    if (this.closed) throw new SessionClosed();
    this.socket.write(data);
    if (this.socket.writableLength <= WRITE_HIGH_WATER) return;
    this.uncork();
    await new Promise<void>((resolve) => {
      const done = () => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        resolve();
      };
      this.socket.on("drain", done);
      this.socket.on("close", done);
    });
    if (this.closed || this.socket.destroyed) throw new SessionClosed();
  }

  async sendParts(parts: readonly ResponsePart[]): Promise<void> {
    if (this.closed) throw new SessionClosed();
    this.uncork();
    try {
      await writeResponse(this.socket, parts);
    } catch (err) {
      // Part of a response went out: whatever follows would be read as its rest.
      this.log.error({ err }, "response broken off; closing the connection");
      this.socket.destroy();
      this.closed = true;
      throw new SessionClosed();
    }
  }

  private uncork(): void {
    this.corked?.uncork();
    this.corked = null;
  }

  async nextEvent(): Promise<ReaderEvent> {
    for (;;) {
      const event = this.reader.next();
      if (event !== null) return event;
      if (this.closed) throw new SessionClosed();
      this.uncork();
      this.socket.resume();
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
  }

  admitUser(user: string): boolean {
    const limits = this.deps.userConnections;
    if (limits === null) return true;
    this.releaseUser = limits.admit(user, this.remoteIp);
    return this.releaseUser !== null;
  }

  openMail(user: UserInfo): Promise<UserStore> {
    return this.deps.openMail(user, this.log);
  }

  login(user: UserInfo, store: UserStore): void {
    this.userStore = store;
    this.sessionState = "authenticated";
    this.deps.releaseUnauthenticated?.();
    this.log = withUser(this.log, user.user);
    this.raw.setTimeout(this.idleTimeoutMs);
  }

  select(mailbox: SelectedMailbox | null): void {
    this.current?.close();
    this.current = mailbox;
    this.savedSearch = [];
    if (mailbox === null) {
      if (this.sessionState === "selected") this.sessionState = "authenticated";
      return;
    }
    this.sessionState = "selected";
    mailbox.watch(() => this.changeListener?.());
  }

  /** IDLE listens for changes while it waits for DONE. */
  onMailboxChange(listener: (() => void) | null): void {
    this.changeListener = listener;
  }

  async sendUpdates(command: Command | null): Promise<void> {
    const selected = this.current;
    if (selected === null) return;
    const uid = command !== null && "uid" in command && command.uid;
    const responses = await selected.updates({
      expunges: command === null || uid || !NO_EXPUNGE.has(command.name),
      uid,
      condstore: this.condstore,
    });
    this.send(...responses);
  }

  async startTls(): Promise<boolean> {
    const context = this.deps.tls;
    if (!context?.enabled) return false;
    this.uncork();
    const plain = this.socket;
    plain.removeAllListeners("data");
    plain.removeAllListeners("close");
    plain.pause();
    try {
      const tls = await startTls(plain, context);
      this.secure = true;
      this.attach(tls);
      return true;
    } catch (err) {
      this.log.info({ err: (err as Error).message }, "TLS handshake failed");
      plain.destroy();
      this.closed = true;
      return false;
    }
  }

  logout(): void {
    this.sessionState = "logout";
  }

  private async loop(): Promise<void> {
    try {
      while (!this.closed && this.sessionState !== "logout") await this.handle(await this.nextEvent());
    } catch (err) {
      if (!(err instanceof SessionClosed)) {
        this.log.error({ err }, "internal error in IMAP session");
        this.send(
          untaggedStatus("BYE", "Internal error occurred. Refer to server log for more information."),
        );
      }
    } finally {
      this.current?.close();
      this.current = null;
      this.userStore?.close();
      this.releaseUser?.();
      if (!this.closed) this.socket.end();
    }
  }

  private async handle(event: ReaderEvent): Promise<void> {
    switch (event.type) {
      case "continue":
        return this.send(continuationRequest());
      case "error":
        this.send(errorResponse(event.error));
        if (event.error.fatal) return this.bye("Too long argument.");
        return this.countBad();
      case "literal-start": {
        const outcome = await streamAppend(this, event);
        if ("error" in outcome) return this.handle(outcome.error);
        return this.finish(outcome.tag, outcome.reply, outcome.command);
      }
      case "command": {
        if (event.command.name !== "APPEND") this.appendTarget = null;
        this.current?.beginCommand();
        // A command's responses and its tagged answer leave in one write (one syscall for a NOOP);
        // anything that waits for the client sends what is held first.
        this.corked = this.socket;
        this.corked.cork();
        try {
          const { reply, command } = await runCommand(this, event.command);
          return await this.finish(event.command.tag, reply, command);
        } finally {
          this.uncork();
        }
      }
      case "line":
      case "literal-data":
      case "literal-end":
        // Only a command asks for these, and it reads them itself.
        throw new Error(`unexpected reader event ${event.type}`);
    }
  }

  /** The shared last step of every command: pending changes, then the tagged answer. */
  private async finish(tag: string, reply: Reply | null, command: Command | null): Promise<void> {
    if (reply === null) return;
    if (reply.status === "BAD") {
      this.send(taggedResponse(tag, reply.status, reply.text, reply.code));
      return this.countBad();
    }
    this.badCommands = 0;
    try {
      if (this.sessionState === "selected") await this.sendUpdates(command);
    } catch (err) {
      const failed = failureReply(err, this.log);
      this.send(taggedResponse(tag, failed.status, failed.text, failed.code));
      return;
    }
    this.send(taggedResponse(tag, reply.status, reply.text, reply.code));
    if (this.sessionState === "logout") this.socket.end();
  }

  private countBad(): void {
    if (++this.badCommands >= MAX_BAD_COMMANDS) this.bye("Too many invalid IMAP commands.");
  }

  private bye(text: string): void {
    this.send(untaggedStatus("BYE", text));
    this.sessionState = "logout";
    this.socket.end();
  }
}
