import type { ListenAddress } from "../config/index.js";
import { sessionLogger } from "../log/index.js";
import { Listeners, loadTlsContext } from "../net/index.js";
import type { RunningService, ServiceContext } from "../server/index.js";
import { openUserMail } from "../user-mail/index.js";
import type { ImapSettings } from "./command-context.js";
import { untaggedStatus } from "./protocol/index.js";
import { ImapSession } from "./session.js";

/** IMAP4rev1 (RFC 3501) and its everyday extensions on the configured addresses. */
export async function imapService(addresses: ListenAddress[], ctx: ServiceContext): Promise<RunningService> {
  const { config } = ctx;
  const tls = loadTlsContext(ctx.tls);
  const settings: ImapSettings = {
    implementation: "Loft",
    plaintextWithoutTls: !config.auth.disable_plaintext_auth,
    failureDelayMs: config.auth.failure_delay * 1000,
    idleKeepaliveSeconds: config.imap.idle_keepalive,
  };
  return Listeners.open(
    addresses,
    {
      maxConnections: config.imap.max_connections,
      maxConnectionsPerIp: config.imap.max_connections_per_ip,
      idleTimeout: config.imap.idle_timeout,
    },
    {
      onConnection(socket, info) {
        const log = sessionLogger(ctx.log, "imap", info.peer);
        log.debug("connected");
        socket.once("close", () => log.debug("disconnected"));
        const session = new ImapSession(
          socket,
          info.ip,
          {
            log,
            auth: ctx.auth,
            settings,
            tls,
            openMail: (user, userLog) => openUserMail(user, config, userLog),
          },
          config.imap.idle_timeout * 1000,
        );
        session.greet();
      },
      onRefused(socket, reason) {
        socket.write(untaggedStatus("BYE", `${reason}.`));
      },
      onIdle(socket) {
        socket.write(untaggedStatus("BYE", "Disconnected for inactivity."));
      },
    },
  );
}
