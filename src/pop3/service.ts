import type { Socket } from "node:net";
import { ConfigError, type ListenAddress, parseListenAddress } from "../config/index.js";
import { sessionLogger } from "../log/index.js";
import { type ConnectionInfo, Listeners, startTls } from "../net/index.js";
import type { RunningService, ServiceContext } from "../server/index.js";
import { Pop3Mail } from "./mail-access.js";
import { Pop3Session } from "./session.js";
import { UidlFormat, UidlFormatError } from "./uidl-format.js";

/** Dovecot's pop3 input buffer: RFC 1939 asks for 512, Dovecot allows 2048. */
const MAX_LINE_LENGTH = 2048;

/** POP3 (RFC 1939) on `listen`, and POP3S (implicit TLS, RFC 8314) on `[pop3] tls_listen`. */
export async function pop3Service(addresses: ListenAddress[], ctx: ServiceContext): Promise<RunningService> {
  const { config } = ctx;
  let uidlFormat: UidlFormat;
  try {
    uidlFormat = UidlFormat.parse(config.pop3.uidl_format);
  } catch (err) {
    if (err instanceof UidlFormatError) throw new ConfigError(`pop3.uidl_format: ${err.message}`);
    throw err;
  }
  const { tls } = ctx;
  const tlsAddresses = config.pop3.tls_listen.map((a) => parseListenAddress(a)!);
  const context = {
    auth: ctx.auth,
    tls,
    mail: new Pop3Mail(config, uidlFormat, config.pop3.lock_session),
    settings: {
      greeting: "Loft ready.",
      plaintextWithoutTls: !config.auth.disable_plaintext_auth,
      maxLineLength: MAX_LINE_LENGTH,
    },
  };
  const sessions = new WeakMap<Socket, Pop3Session>();
  const options = {
    maxConnections: config.pop3.max_connections,
    maxConnectionsPerIp: config.pop3.max_connections_per_ip,
    idleTimeout: config.pop3.idle_timeout,
  };
  const handler = (implicitTls: boolean) => ({
    onConnection(socket: Socket, info: ConnectionInfo) {
      const log = sessionLogger(ctx.log, "pop3", info.peer);
      log.debug({ tls: implicitTls }, "connected");
      socket.once("close", () => log.debug("disconnected"));
      const release = ctx.auth.guard.admitUnauthenticated(info.ip);
      if (release === null) {
        log.info("too many connections from this address that have not logged in");
        if (!implicitTls) socket.write("-ERR [SYS/TEMP] Too many connections from your address.\r\n");
        socket.end();
        return;
      }
      socket.once("close", release);
      if (!implicitTls) {
        const session = new Pop3Session(socket, info.ip, log, context, release);
        sessions.set(socket, session);
        session.greet();
        return;
      }
      startTls(socket, tls).then(
        (secure) => {
          const session = new Pop3Session(secure, info.ip, log, context, release);
          sessions.set(socket, session);
          session.greet();
        },
        (err: Error) => {
          log.info({ err: err.message }, "TLS handshake failed");
          socket.destroy();
        },
      );
    },
    onRefused(socket: Socket, reason: string) {
      if (!implicitTls) socket.write(`-ERR [SYS/TEMP] ${reason}.\r\n`);
    },
    onIdle(socket: Socket) {
      const session = sessions.get(socket);
      if (session) session.idle();
      else if (!implicitTls) socket.write("-ERR Disconnected for inactivity.\r\n");
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
