// LMTP (RFC 2033) on smtp-server, behind Loft's own listeners (limits, idle timeout, unix
// sockets). smtp-server owns the wire; this module owns the decisions: who is a recipient,
// and one reply per accepted RCPT, each from that recipient's own delivery outcome.
import { randomBytes } from "node:crypto";
import { chmodSync } from "node:fs";
import type { Socket } from "node:net";
import { availableParallelism } from "node:os";
import type { SecureContext } from "node:tls";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import { type Config, type ListenAddress, parseListenAddress } from "../config/index.js";
import {
  Delivery,
  type DeliveryEnvelope,
  lazySieveEngine,
  type RecipientOutcome,
  type RecipientRequest,
  splitRecipient,
} from "../delivery/index.js";
import { type Logger, sessionLogger } from "../log/index.js";
import { type ConnectionInfo, Listeners, startTls } from "../net/index.js";
import type { RunningService, ServiceContext } from "../server/index.js";
import { CurrentContexts, startSession } from "./connection.js";
import { DeliveryProcesses } from "./delivery-processes.js";
import { dataReply, messageTooBig, type Reply, rcptRefusal, TOO_MANY_RECIPIENTS } from "./replies.js";
import { Transaction } from "./transaction.js";

/** How long a user's store stays open after a delivery: MTAs deliver to the same users in bursts. */
const STORE_KEEP_MS = 10_000;
/**
 * Most delivery processes "one per CPU" starts: each takes some 100 MB once its users' stores
 * are open (measured: 110 MB RSS with ten users), too much to multiply by every core of a big host.
 */
const DEFAULT_PROCESSES_MAX = 8;

/**
 * delivery_processes = 0: one per CPU, at most 8, from 3 CPUs up. On 2 CPUs the deliveries run in
 * the LMTP process: measured there (`bench/lmtp --delivery-processes 1` against 2, 5,000 messages,
 * three runs each), as fast on tmpfs (898–969 against 955–1,001 messages/s), 11% faster on a new
 * ext4 (692–696 against 594–649) and a third less CPU a message: handing each message to another
 * process cost more than the second core gave.
 */
function defaultProcessCount(cpus: number): number {
  return cpus < 3 ? 1 : Math.min(cpus, DEFAULT_PROCESSES_MAX);
}

function replyError(reply: Reply): Error {
  return Object.assign(new Error(reply.text), { responseCode: reply.code });
}

/** The address of an ORCPT parameter (RFC 3461 §4.2: `rfc822;` and xtext), or null for another type. */
function originalRecipient(orcpt: string | undefined): string | null {
  const m = /^rfc822;(.+)$/i.exec(orcpt ?? "");
  return m === null
    ? null
    : m[1]!.replace(/\+([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** Reads DATA into memory, keeping nothing past the size limit (the rest is only drained). */
function readMessage(stream: SMTPServerDataStream): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => {
      if (!stream.sizeExceeded) chunks.push(chunk);
    });
    stream.on("end", () => resolve(stream.sizeExceeded ? null : Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

export async function lmtpService(addresses: ListenAddress[], ctx: ServiceContext): Promise<RunningService> {
  const { config } = ctx;
  const settings = config.lmtp;
  // With one process the deliveries run here, on the LMTP process's own event loop.
  const processCount = settings.delivery_processes || defaultProcessCount(availableParallelism());
  /** What delivers, for a config; a reload that leaves [lmtp] alone replaces it (reconfigure). */
  const deliverers = (current: Config) => ({
    quotaTempfail: current.delivery.quota_full_tempfail,
    /** The user a recipient is looked up as, which an unknown recipient's reply names. */
    userOf: (address: string) => splitRecipient(address, current.delivery.recipient_delimiter).user,
    delivery: new Delivery({
      config: current,
      userdb: ctx.auth,
      log: ctx.log.child({ protocol: "lmtp" }),
      engine: lazySieveEngine(current),
      keepStoresOpenMs: STORE_KEEP_MS,
    }),
    processes:
      processCount > 1
        ? new DeliveryProcesses({
            count: processCount,
            config: current,
            logOptions: ctx.logOptions,
            log: ctx.log,
            keepStoresOpenMs: STORE_KEEP_MS,
            account: ctx.account,
          })
        : null,
  });
  let current = deliverers(config);
  const deliver = async (
    message: Buffer,
    envelope: DeliveryEnvelope,
    recipients: RecipientRequest[],
  ): Promise<RecipientOutcome[]> => {
    if (current.processes === null) return current.delivery.deliver(message, envelope, recipients);
    const users = await current.delivery.lookUpUsers(recipients);
    // Taken after the lookup: a reload meanwhile has closed the processes it replaced.
    const processes = current.processes!;
    return processes.deliver(message, envelope, recipients, users, users.keys().next().value ?? "");
  };
  const transactions = new Map<string, { tx: Transaction; log: Logger }>();
  const tls = ctx.tls.enabled ? ctx.tls : null;
  const tlsAddresses = settings.tls_listen.map((a) => parseListenAddress(a)!);

  const server = new SMTPServer({
    lmtp: true,
    name: current.delivery.hostname,
    banner: "Loft ready.",
    logger: false,
    disabledCommands: tls === null ? ["AUTH", "STARTTLS"] : ["AUTH"],
    hideSTARTTLS: tls === null,
    // The certificates come from ctx.tls at each handshake (see CurrentContexts below).
    ...(tls === null
      ? {}
      : {
          SNICallback: (name: string, cb: (err: Error | null, ctx?: SecureContext) => void) =>
            cb(null, tls.contextFor(name)),
          requestCert: tls.socketOptions().requestCert,
          rejectUnauthorized: false,
        }),
    // LMTP clients are MTAs on trusted networks: no reverse lookups, no per-command auth limits.
    disableReverseLookup: true,
    maxAllowedUnauthenticatedCommands: false,
    authOptional: true,
    hideREQUIRETLS: true,
    // RFC 2034 codes in every reply, as Dovecot; no DSN (Dovecot's LMTP does not offer it either).
    hideENHANCEDSTATUSCODES: false,
    size: settings.max_message_size || undefined,
    socketTimeout: settings.idle_timeout * 1000,

    // Ready at once (smtp-server defers both a tick): a client on an implicit-TLS port may send
    // LHLO right after its handshake, before it has read the greeting, and must not be taken for
    // an early talker.
    onConnect(_session, callback) {
      callback();
    },
    onSecure(_socket, _session, callback) {
      callback();
    },

    onMailFrom(_address, session, callback) {
      const entry = transactions.get(session.id);
      if (entry !== undefined) entry.tx = new Transaction(settings.max_recipients);
      callback();
    },

    onRcptTo(address, session, callback) {
      const entry = transactions.get(session.id);
      if (entry === undefined) return callback(replyError({ code: 451, text: "4.3.0 Internal error" }));
      const { tx } = entry;
      if (tx.full()) return callback(replyError(TOO_MANY_RECIPIENTS));
      const original = originalRecipient(address.dsn?.orcpt);
      const rcpt = { address: address.address, ...(original ? { original } : {}) };
      // A repeated recipient is accepted again: it is delivered once and answered twice.
      if (tx.has(rcpt.address)) {
        tx.add(rcpt);
        return callback();
      }
      const { delivery, quotaTempfail, userOf } = current;
      delivery.check(rcpt.address, settings.rcpt_check_quota).then(
        (check) => {
          if (check === "ok") {
            tx.add(rcpt);
            callback();
          } else callback(replyError(rcptRefusal(rcpt.address, check, quotaTempfail, userOf(rcpt.address))));
        },
        () => callback(replyError(rcptRefusal(rcpt.address, "tempfail", quotaTempfail))),
      );
    },

    onData(stream, session, callback) {
      const entry = transactions.get(session.id);
      const recipients = entry?.tx.recipients ?? [];
      const answer = (replies: Reply[]) =>
        callback(
          null,
          replies.map((r) => (r.code === 250 ? r.text : replyError(r))),
        );
      readMessage(stream)
        .then(async (message) => {
          if (message === null) return answer(recipients.map(() => messageTooBig(settings.max_message_size)));
          const id = randomBytes(16).toString("base64").replace(/=+$/, "");
          const outcomes = await deliver(
            message,
            {
              from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
              trace: {
                helo: session.hostNameAppearsAs,
                remoteIp: session.remoteAddress || null,
                sessionId: id,
                addReceived: settings.add_received_header,
              },
              rejectBy: "reply",
              remoteIp: session.remoteAddress || null,
            },
            recipients.map((r) => ({ address: r.address, ...(r.original ? { original: r.original } : {}) })),
          );
          answer(
            recipients.map((r, i) =>
              dataReply(
                r.address,
                outcomes[i]!,
                i === 0 ? id : `${id}:R${i + 1}`,
                current.quotaTempfail,
                current.userOf(r.address),
              ),
            ),
          );
        })
        .catch((err: unknown) => {
          entry?.log.error({ err: (err as Error).message }, "delivery failed");
          answer(
            recipients.map((r) => ({ code: 451, text: `4.3.0 <${r.address}> Temporary internal error` })),
          );
        });
    },

    onClose(session: SMTPServerSession) {
      transactions.delete(session.id);
    },
  });

  if (tls !== null) server.secureContext = new CurrentContexts((name) => tls.contextFor(name));

  const begin = (raw: Socket, socket: Socket, info: ConnectionInfo) => {
    const log = sessionLogger(ctx.log, "lmtp", info.peer);
    const connection = startSession(server, socket, info.ip === "unix" ? "" : info.ip);
    transactions.set(connection.session.id, { tx: new Transaction(settings.max_recipients), log });
    log.debug("connected");
    raw.once("close", () => {
      transactions.delete(connection.session.id);
      log.debug("disconnected");
    });
  };
  const handler = (implicitTls: boolean) => ({
    onConnection(socket: Socket, info: ConnectionInfo) {
      if (!implicitTls) return begin(socket, socket, info);
      // Dovecot's LMTP serves TLS from the first byte on an inet_listener with ssl = yes.
      startTls(socket, ctx.tls).then(
        (secure) => begin(socket, secure, info),
        (err: Error) => {
          ctx.log.info({ protocol: "lmtp", peer: info.peer, err: err.message }, "TLS handshake failed");
          socket.destroy();
        },
      );
    },
    onRefused(socket: Socket, reason: string) {
      if (!implicitTls) socket.write(`421 4.3.2 ${current.delivery.hostname} ${reason}\r\n`);
    },
    onIdle(socket: Socket) {
      if (!implicitTls)
        socket.write(`421 4.4.2 ${current.delivery.hostname} Disconnected for inactivity\r\n`);
    },
  });
  const listeners = await Listeners.openGroups(
    [
      { addresses, handler: handler(false) },
      { addresses: tlsAddresses, handler: handler(true) },
    ],
    {
      maxConnections: settings.max_connections,
      maxConnectionsPerIp: settings.max_connections_per_ip,
      idleTimeout: settings.idle_timeout,
    },
  );
  // The listener makes unix sockets 0600; the MTA usually runs as another user.
  for (const a of addresses)
    if (a.kind === "unix") chmodSync(a.path, Number.parseInt(settings.unix_socket_mode, 8));
  return {
    sessionCount: () => listeners.sessionCount(),
    stopAccepting: async () => {
      await listeners.stopAccepting();
      // A reload that restarts LMTP leaves the sessions open here to finish; the delivery
      // processes serve them until the last one ends.
      const retire = setInterval(() => {
        if (listeners.sessionCount() > 0) return;
        clearInterval(retire);
        current.processes?.close();
      }, 1000);
      retire.unref();
    },
    closeSessions: () => {
      listeners.closeSessions();
      current.delivery.close();
      current.processes?.close();
    },
    reconfigure: (next: Config) => {
      // Deliveries under way finish with what they started with; the next ones use the new config.
      const previous = current;
      current = deliverers(next);
      previous.delivery.close();
      previous.processes?.close();
    },
  };
}
