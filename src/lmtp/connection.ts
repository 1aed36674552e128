// smtp-server's connection, adjusted for LMTP the way Loft needs it:
// - a reply text that starts with an enhanced status code is sent as written (smtp-server would
//   derive one from the numeric code and put it in front, e.g. 5.2.2 for every 552);
// - the session starts without smtp-server's 100 ms "early talker" pause before the greeting:
//   LMTP peers are trusted MTAs, and the pause caps what one connection can deliver;
// - an implicit-TLS socket arrives already secured, and the session says so (no STARTTLS offered).
import type { Socket } from "node:net";
import type { SecureContext, TLSSocket } from "node:tls";
import type { SMTPServer } from "smtp-server";
import { SMTPConnection } from "smtp-server/lib/smtp-connection.js";

const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3} /;

class LmtpConnection extends SMTPConnection {
  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    if (typeof data === "string" && ENHANCED.test(data)) super.send(code, data, false);
    else super.send(code, data, context);
  }
}

/** Hands an accepted socket (or one already in TLS) to the server as a new session and greets at once. */
export function startSession(server: SMTPServer, socket: Socket, remoteAddress: string): SMTPConnection {
  const connection = new LmtpConnection(server, socket, remoteAddress === "" ? {} : { remoteAddress });
  if ("encrypted" in socket) {
    connection.session.secure = connection.secure = true;
    connection.tlsOptions = (socket as TLSSocket).getCipher();
  }
  server.connections.add(connection);
  connection.on("error", () => {});
  connection._setListeners(() => connection.connectionReady());
  return connection;
}

/**
 * smtp-server looks its default certificate up in this map at every STARTTLS; answering from
 * the live certificates lets a reload reach new connections without restarting the listener.
 */
export class CurrentContexts extends Map<string, SecureContext> {
  constructor(private readonly lookup: (name: string) => SecureContext | undefined) {
    super();
  }

  override get(name: string): SecureContext | undefined {
    return this.lookup(name === "*" ? "" : name);
  }
}
