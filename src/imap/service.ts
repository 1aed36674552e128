import type { Socket } from "node:net";
import type { UserInfo } from "../auth/index.js";
import { type ListenAddress, parseListenAddress } from "../config/index.js";
import type { Logger } from "../log/index.js";
import { sessionLogger } from "../log/index.js";
import { type ConnectionInfo, Listeners, startTls } from "../net/index.js";
import type { RunningService, ServiceContext } from "../server/index.js";
import { openUserMail } from "../user-mail/index.js";
import type { ImapSettings } from "./command-context.js";
import { untaggedStatus } from "./protocol/index.js";
import { ImapSession } from "./session.js";
import { UserConnections } from "./user-connections.js";

/** A user's index stays open this long after their last session: clients reconnect soon. */
const INDEX_LINGER_MS = 30_000;

/** IMAP4rev1 (RFC 3501) and its everyday extensions on the configured addresses. */
export async function imapService(addresses: ListenAddress[], ctx: ServiceContext): Promise<RunningService> {
  const { config } = ctx;
  const { tls } = ctx;
  const settings: ImapSettings = {
    implementation: "Loft",
    plaintextWithoutTls: !config.auth.disable_plaintext_auth,
    idleKeepaliveSeconds: config.imap.idle_keepalive,
  };
  const tlsAddresses = config.imap.tls_listen.map((a) => parseListenAddress(a)!);
  const options = {
    maxConnections: config.imap.max_connections,
    maxConnectionsPerIp: config.imap.max_connections_per_ip,
    idleTimeout: config.imap.idle_timeout,
  };
  const userConnections = new UserConnections(config.imap.max_connections_per_user);
  const deps = (log: Logger, releaseUnauthenticated: () => void) => ({
    log,
    releaseUnauthenticated,
    auth: ctx.auth,
    settings,
    tls,
    openMail: (user: UserInfo, userLog: Logger) =>
      openUserMail(user, config, userLog, { indexLingerMs: INDEX_LINGER_MS }),
    userConnections,
  });
  const idleTimeoutMs = config.imap.idle_timeout * 1000;
  const handler = (implicitTls: boolean) => ({
    onConnection(socket: Socket, info: ConnectionInfo) {
      const log = sessionLogger(ctx.log, "imap", info.peer);
      log.debug({ tls: implicitTls }, "connected");
      socket.once("close", () => log.debug("disconnected"));
      const release = ctx.auth.guard.admitUnauthenticated(info.ip);
      if (release === null) {
        log.info("too many connections from this address that have not logged in");
        if (!implicitTls) socket.write(untaggedStatus("BYE", "Too many connections from your address."));
        socket.end();
        return;
      }
      socket.once("close", release);
      if (!implicitTls) {
        new ImapSession(socket, info.ip, deps(log, release), idleTimeoutMs).greet();
        return;
      }
      // RFC 8314: TLS from the first byte (IMAPS, port 993).
      startTls(socket, tls).then(
        (secure) => new ImapSession(secure, info.ip, deps(log, release), idleTimeoutMs, socket).greet(),
        (err: Error) => {
          log.info({ err: err.message }, "TLS handshake failed");
          socket.destroy();
        },
      );
    },
    onRefused(socket: Socket, reason: string) {
      if (!implicitTls) socket.write(untaggedStatus("BYE", `${reason}.`));
    },
    onIdle(socket: Socket) {
      if (!implicitTls) socket.write(untaggedStatus("BYE", "Disconnected for inactivity."));
    },
  });
  return Listeners.openGroups(
    [
      { addresses, handler: handler(false) },
      { addresses: tlsAddresses, handler: handler(true) },
    ],
    options,
  );
}
