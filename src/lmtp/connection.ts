// smtp-server's connection, adjusted for LMTP the way Loft needs it:
// - a reply text that starts with an enhanced status code is sent as written (smtp-server would
//   derive one from the numeric code and put it in front, e.g. 5.2.2 for every 552);
// - the session starts without smtp-server's 100 ms "early talker" pause before the greeting:
//   LMTP peers are trusted MTAs, and the pause caps what one connection can deliver;
// - an implicit-TLS socket arrives already secured, and the session says so (no STARTTLS offered);
// - RCPT TO takes a bare user name (`<ann>`), as Dovecot's LMTP does (rcpt_domain_optional);
// - a quoted local part (`<"ann"@d>`, `<"a nn"@d>`) is read as RFC 5321 defines it and the address
//   passed on in its canonical form (see mime/local-part.ts), as Dovecot's LMTP does;
// - the replies to one pipelined batch leave in one write (see send).
import type { Socket } from "node:net";
import type { SecureContext, TLSSocket } from "node:tls";
import type { SMTPServer } from "smtp-server";
import { SMTPConnection } from "smtp-server/lib/smtp-connection.js";
import { encodeLocalPart, readQuotedString } from "../mime/index.js";

type ParsedAddress = ReturnType<SMTPConnection["_parseAddressCommand"]>;

const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3} /;
/** `RCPT TO:<local-part>` with no domain; the local part is then checked as in a full address. */
const BARE_RCPT = /^(\s*RCPT\s+TO\s*:\s*<)([^<>@\s]+)>/i;
/** A path whose local part is a Quoted-string, after an optional source route; group 1 ends before the quote. */
const QUOTED_PATH = /^(\s*(?:RCPT\s+TO|MAIL\s+FROM)\s*:\s*<(?:@[^\s,:@<>"]+(?:,@[^\s,:@<>"]+)*:)?)"/i;
/** A path with a double quote that is not one Quoted-string local part (`<bob"@d>`, `<"b"ob@d>`). */
const STRAY_QUOTE = /^[^<]*<[^<>]*"/;
/** The longest path smtp-server takes: local part, "@" and domain in 253 octets (RFC 5321 §4.5.3.1.3). */
const MAX_PATH = 253;

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
    const quoted = QUOTED_PATH.exec(text);
    if (quoted !== null) return this.parseQuotedPath(name, text, quoted[1]!);
    // smtp-server would take the quote as part of a Dot-string (`bob"@d` as user `bob"@d`), which
    // RFC 5321 does not allow; Dovecot's LMTP refuses it too.
    if (STRAY_QUOTE.test(text)) return false;
    const bare = name.toUpperCase() === "RCPT TO" ? BARE_RCPT.exec(text) : null;
    if (bare === null) return super._parseAddressCommand(name, command);
    const parsed = super._parseAddressCommand(
      name,
      `${bare[1]}${bare[2]}@localhost>${text.slice(bare[0].length)}`,
    );
    return parsed === false ? false : { ...parsed, address: bare[2]! };
  }

  /**
   * A path whose local part is quoted: smtp-server checks the rest (domain, source route,
   * parameters) with a stand-in local part, and the address takes the canonical local part, so
   * `"ann"@d` is `ann@d` everywhere after: lookup, +detail, replies, Delivered-To, Return-Path.
   * A quoted local part without a domain is a user name as `<ann>` is (RCPT only; not `<"">`).
   * Anything else, an unterminated quote or a control character (NUL...) in it, is a syntax error
   * (501 5.1.3 from smtp-server's RCPT; Dovecot answers 501 5.5.4, but RFC 3463 names X.1.3
   * for bad destination address syntax).
   */
  private parseQuotedPath(name: string, text: string, head: string): ParsedAddress {
    const local = readQuotedString(text, head.length);
    if (local === null) return false;
    const tail = text.slice(local.end);
    const bare = tail.startsWith(">") && name.toUpperCase() === "RCPT TO";
    if (bare ? local.value === "" : !tail.startsWith("@")) return false;
    const parsed = super._parseAddressCommand(name, `${head}x${bare ? "@localhost" : ""}${tail}`);
    if (parsed === false || !parsed.address.startsWith("x@")) return false;
    const address = encodeLocalPart(local.value) + (bare ? "" : parsed.address.slice(1));
    return address.length > MAX_PATH ? false : { ...parsed, address };
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
