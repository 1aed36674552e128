import type { Socket } from "node:net";
import { ConfigError, type ListenAddress } from "../config/index.js";
import { sessionLogger } from "../log/index.js";
import { Listeners, loadTlsContext } from "../net/index.js";
import type { RunningService, ServiceContext } from "../server/index.js";
import { SieveEngine } from "../sieve/index.js";
import { parseScriptLocation } from "../sieve-scripts/index.js";
import { response } from "./responses.js";
import { ManageSieveSession } from "./session.js";

const IMPLEMENTATION = "Loft";

/** ManageSieve (RFC 5804) on the configured addresses. */
export async function manageSieveService(
  addresses: ListenAddress[],
  ctx: ServiceContext,
): Promise<RunningService> {
  const { config } = ctx;
  const engine = new SieveEngine({
    maxScriptSize: config.sieve.max_script_size,
    maxActions: config.sieve.max_actions,
    maxRedirects: config.sieve.max_redirects,
  });
  try {
    parseScriptLocation(config.sieve.location, "/");
  } catch (err) {
    throw new ConfigError(`sieve.location: ${(err as Error).message}`);
  }
  const tls = loadTlsContext(ctx.tls);
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
  const listeners = await Listeners.open(
    addresses,
    {
      maxConnections: config.managesieve.max_connections,
      maxConnectionsPerIp: config.managesieve.max_connections_per_ip,
      idleTimeout: config.managesieve.idle_timeout,
    },
    {
      onConnection(socket, info) {
        const log = sessionLogger(ctx.log, "managesieve", info.peer);
        log.debug("connected");
        socket.once("close", () => log.debug("disconnected"));
        const release = ctx.auth.guard.admitUnauthenticated(info.ip);
        if (release === null) {
          log.info("too many connections from this address that have not logged in");
          socket.end(response("BYE", "Too many connections from your address."));
          return;
        }
        socket.once("close", release);
        const session = new ManageSieveSession(socket, info.ip, log, {
          log,
          auth: ctx.auth,
          engine,
          tls,
          settings,
          releaseUnauthenticated: release,
        });
        sessions.set(socket, session);
        session.greet();
      },
      onRefused(socket, reason) {
        socket.write(response("BYE", `${reason}.`));
      },
      onIdle(socket) {
        // The session writes it: after STARTTLS its socket is the TLS one, not this raw socket.
        sessions.get(socket)?.idle();
      },
    },
  );
  return listeners;
}
