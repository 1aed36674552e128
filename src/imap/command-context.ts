import type { Authenticator, SaslConnection, UserInfo } from "../auth/index.js";
import type { Logger } from "../log/index.js";
import type { Mailbox, UserStore } from "../store/index.js";
import type {
  Command,
  CommandReader,
  ReaderEvent,
  ResponseCode,
  ResponsePart,
  ResponseStatus,
} from "./protocol/index.js";
import type { SelectedMailbox } from "./selected-mailbox.js";

/**
 * NOOP and IDLE take a re-read of the selected mailbox this recent instead of starting one: many
 * clients polling one mailbox then cost a few file checks a second, and changes by other
 * programs still show within a second (the mailbox's watch re-reads it on every file change).
 */
export const POLL_FRESH_MS = 200;

/** RFC 3501 §3: the connection's state. */
export type SessionState = "not-authenticated" | "authenticated" | "selected" | "logout";

/** What a command answers with its tag; the session sends pending changes before it. */
export interface Reply {
  status: ResponseStatus;
  text: string;
  code?: ResponseCode | null;
}

export interface ImapSettings {
  /** Plaintext LOGIN and SASL PLAIN/LOGIN without TLS (loopback always counts as secure). */
  plaintextWithoutTls: boolean;
  /** Seconds between `* OK Still here` during IDLE. */
  idleKeepaliveSeconds: number;
  implementation: string;
}

/** The session as commands see it. */
export interface ImapContext {
  readonly log: Logger;
  readonly auth: Authenticator;
  readonly settings: ImapSettings;
  readonly reader: CommandReader;
  readonly state: SessionState;
  /** The connection is still open. */
  readonly connected: boolean;
  /** The client's address, "unix" for a unix socket. */
  readonly remoteIp: string;
  /** The user's mail (authenticated and selected states). */
  readonly store: UserStore;
  readonly selected: SelectedMailbox | null;
  /** CONDSTORE was enabled (RFC 7162 §3.1). */
  condstore: boolean;
  /** The mailbox the last APPEND opened, kept while APPENDs follow one another. */
  appendTarget: Mailbox | null;
  /** The numbers the last SEARCH RETURN (SAVE) saved, as UIDs. */
  savedSearch: number[];
  /** Plaintext authentication may be used now. */
  plaintextAllowed(): boolean;
  /** Any authentication may be tried now (tls.mode = "required" refuses it before TLS). */
  authAllowed(): boolean;
  /** What SASL mechanisms may know of the connection (address, TLS socket). */
  saslConnection(): SaslConnection;
  capabilities(): string[];
  send(...responses: Buffer[]): void;
  /** Writes a batch of responses; waits only when much is already queued for a slow client. */
  sendBatch(data: Buffer): Promise<void>;
  /** Writes responses with streamed bodies, waiting while the socket is full. */
  sendParts(parts: readonly ResponsePart[]): Promise<void>;
  /** The next reader event, waiting for input (SASL lines, IDLE's DONE, APPEND's literal). */
  nextEvent(): Promise<ReaderEvent>;
  /** Counts the session against the user's connection limit; false when over it. */
  admitUser(user: string): boolean;
  openMail(user: UserInfo): Promise<UserStore>;
  login(user: UserInfo, store: UserStore): void;
  select(mailbox: SelectedMailbox | null): void;
  /** Called on every change to the selected mailbox by anyone (IDLE listens). */
  onMailboxChange(listener: (() => void) | null): void;
  /** Sends whatever changed in the selected mailbox (the shared update step). */
  sendUpdates(command: Command | null): Promise<void>;
  startTls(): Promise<boolean>;
  canStartTls(): boolean;
  logout(): void;
}

/** The command type whose `name` covers N (SELECT and EXAMINE share one). */
export type CommandOf<N extends Command["name"]> = Command extends infer C
  ? C extends { name: infer M }
    ? [N] extends [M]
      ? C
      : never
    : never
  : never;

export interface CommandSpec<N extends Command["name"]> {
  /** States the command is valid in. */
  states: readonly SessionState[];
  /** The tagged answer, or null when the command already sent it (STARTTLS). */
  run(ctx: ImapContext, command: CommandOf<N>, tag: string): Promise<Reply | null>;
}
