import type { Socket } from "node:net";
import { ConfigError, type ListenAddress, parseListenAddress } from "../config/index.js";
import { sessionLogger } from "../log/index.js";
import { type ConnectionInfo, Listeners, startTls } from "../net/index.js";
import type { RunningService, ServiceContext } from "../server/index.js";
import { SieveEngine } from "../sieve/index.js";
import { engineSettings, parseScriptLocation } from "../sieve-scripts/index.js";
import { response } from "./responses.js";
import { ManageSieveSession } from "./session.js";

const IMPLEMENTATION = "Loft";

/** ManageSieve (RFC 5804) on the configured addresses, with implicit TLS on `tls_listen` as Dovecot allows. */
export async function manageSieveService(
  addresses: ListenAddress[],
  ctx: ServiceContext,
): Promise<RunningService> {
  const { config } = ctx;
  const engine = new SieveEngine(engineSettings(config));
  try {
    parseScriptLocation(config.sieve.location, "/");
  } catch (err) {
    throw new ConfigError(`sieve.location: ${(err as Error).message}`);
  }
  const { tls } = ctx;
  const tlsAddresses = config.managesieve.tls_listen.map((a) => parseListenAddress(a)!);
  const settings = {
    implementation: IMPLEMENTATION,
    plaintextWithoutTls: !config.auth.disable_plaintext_auth,
    scriptLocation: config.sieve.location,
    quota: {
      maxScripts: config.sieve.quota_max_scripts,
      maxStorage: config.sieve.quota_max_storage,
      maxScriptSize: config.sieve.max_script_size,
    },
    maxRedirects: config.sieve.max_redirects,
    maxLineLength: 65536,
  };
  const sessions = new WeakMap<Socket, ManageSieveSession>();
  const begin = (raw: Socket, socket: Socket, ip: string, log: typeof ctx.log, release: () => void) => {
    const session = new ManageSieveSession(socket, ip, log, {
      log,
      auth: ctx.auth,
      engine,
      tls,
      settings,
      releaseUnauthenticated: release,
    });
    sessions.set(raw, session);
    session.greet();
  };
  const handler = (implicitTls: boolean) => ({
    onConnection(socket: Socket, info: ConnectionInfo) {
      const log = sessionLogger(ctx.log, "managesieve", info.peer);
      log.debug({ tls: implicitTls }, "connected");
      socket.once("close", () => log.debug("disconnected"));
      const release = ctx.auth.guard.admitUnauthenticated(info.ip);
      if (release === null) {
        log.info("too many connections from this address that have not logged in");
        if (!implicitTls) socket.write(response("BYE", "Too many connections from your address."));
        socket.end();
        return;
      }
      socket.once("close", release);
      if (!implicitTls) return begin(socket, socket, info.ip, log, release);
      startTls(socket, tls).then(
        (secure) => begin(socket, secure, info.ip, log, release),
        (err: Error) => {
          log.info({ err: err.message }, "TLS handshake failed");
          socket.destroy();
        },
      );
    },
    onRefused(socket: Socket, reason: string) {
      if (!implicitTls) socket.write(response("BYE", `${reason}.`));
    },
    onIdle(socket: Socket) {
      // The session writes it: after STARTTLS its socket is the TLS one, not this raw socket.
      sessions.get(socket)?.idle();
    },
  });
  return Listeners.openGroups(
    [
      { addresses, handler: handler(false) },
      { addresses: tlsAddresses, handler: handler(true) },
    ],
    {
      maxConnections: config.managesieve.max_connections,
      maxConnectionsPerIp: config.managesieve.max_connections_per_ip,
      idleTimeout: config.managesieve.idle_timeout,
    },
  );
}
