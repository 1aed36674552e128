import type { Authenticator } from "../auth/index.js";
import type { Config, ListenAddress } from "../config/index.js";
import { imapService } from "../imap/index.js";
import { lmtpService } from "../lmtp/index.js";
import type { Logger, LogOptions } from "../log/index.js";
import { manageSieveService } from "../managesieve/index.js";
import type { TlsCertificates } from "../net/index.js";
import { pop3Service } from "../pop3/index.js";

export type ProtocolName = "imap" | "pop3" | "lmtp" | "managesieve";
export const PROTOCOLS: readonly ProtocolName[] = ["imap", "pop3", "lmtp", "managesieve"];

/** What every listener gets from the process frame. */
export interface ServiceContext {
  config: Config;
  log: Logger;
  auth: Authenticator;
  stateDir: string;
  /** The live certificates of [tls], shared by every listener; reloads reach new connections. */
  tls: TlsCertificates;
  /** How `log` was made (its path resolved), for processes that log on their own. */
  logOptions: LogOptions;
  /** The account the server becomes after binding its ports (null: it stays who it is). */
  account: { uid: number; gid: number } | null;
}

/** A protocol server bound to its addresses. */
export interface RunningService {
  /** Open sessions. */
  sessionCount(): number;
  /** Stops accepting connections; open sessions go on. */
  stopAccepting(): Promise<void>;
  /** Ends the open sessions (after the shutdown timeout). */
  closeSessions(): void;
  /** A reload changed the config but not this protocol's section: take what applies without rebinding. */
  reconfigure?(config: Config): void;
}

/** A protocol that `loft serve` can start: binds every address or fails without leaving any bound. */
export type ProtocolService = (addresses: ListenAddress[], ctx: ServiceContext) => Promise<RunningService>;

/** The protocol servers `loft serve` runs. */
export const SERVICES: Record<ProtocolName, ProtocolService> = {
  imap: imapService,
  lmtp: lmtpService,
  managesieve: manageSieveService,
  pop3: pop3Service,
};
