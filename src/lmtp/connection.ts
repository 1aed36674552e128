// smtp-server's connection, adjusted for LMTP the way Loft needs it:
// - a reply text that starts with an enhanced status code is sent as written (smtp-server would
//   derive one from the numeric code and put it in front, e.g. 5.2.2 for every 552);
// - the session starts without smtp-server's 100 ms "early talker" pause before the greeting:
//   LMTP peers are trusted MTAs, and the pause caps what one connection can deliver;
// - an implicit-TLS socket arrives already secured, and the session says so (no STARTTLS offered);
// - RCPT TO takes a bare user name (`<ann>`), as Dovecot's LMTP does (rcpt_domain_optional);
// - the replies to one pipelined batch leave in one write (see send).
import type { Socket } from "node:net";
import type { SecureContext, TLSSocket } from "node:tls";
import type { SMTPServer } from "smtp-server";
import { SMTPConnection } from "smtp-server/lib/smtp-connection.js";

type ParsedAddress = ReturnType<SMTPConnection["_parseAddressCommand"]>;

const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3} /;
/** `RCPT TO:<local-part>` with no domain; the local part is then checked as in a full address. */
const BARE_RCPT = /^(\s*RCPT\s+TO\s*:\s*<)([^<>@\s]+)>/i;

class LmtpConnection extends SMTPConnection {
  private corked: Socket | null = null;

  /**
   * smtp-server writes every reply on its own, so a pipelined MAIL, RCPT, DATA cost a write (and a
   * wake-up of the client) each. Replies are held in the corked socket until the event loop has
   * run everything the input already received set off (setImmediate comes after the I/O callbacks
   * and promise jobs of this turn), then leave in one writev: never later than the turn that made
   * them. 220 (greeting, STARTTLS) goes at once: a TLS handshake takes the socket over after it.
   */
  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    if (code === 220) this.flush();
    else if (this.corked === null && !this._socket.destroyed) {
      const socket = this._socket;
      this.corked = socket;
      socket.cork();
      setImmediate(() => this.flush());
    }
    if (typeof data === "string" && ENHANCED.test(data)) super.send(code, data, false);
    else super.send(code, data, context);
  }

  private flush(): void {
    const socket = this.corked;
    this.corked = null;
    socket?.uncork();
  }

  override _parseAddressCommand(name: string, command: Buffer | string): ParsedAddress {
    const text = command.toString();
    const bare = name.toUpperCase() === "RCPT TO" ? BARE_RCPT.exec(text) : null;
    if (bare === null) return super._parseAddressCommand(name, command);
    const parsed = super._parseAddressCommand(
      name,
      `${bare[1]}${bare[2]}@localhost>${text.slice(bare[0].length)}`,
    );
    return parsed === false ? false : { ...parsed, address: bare[2]! };
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
