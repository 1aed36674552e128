import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import { createSecureContext, type SecureContext, TLSSocket } from "node:tls";

export interface TlsSettings {
  cert: string;
  key: string;
  minVersion: "TLSv1.2" | "TLSv1.3";
}

/** The server's TLS context, or null when no certificate is configured. Unreadable files throw, naming them. */
export function loadTlsContext(settings: TlsSettings): SecureContext | null {
  if (settings.cert === "") return null;
  const read = (key: "cert" | "key") => {
    try {
      return readFileSync(settings[key]);
    } catch (err) {
      throw new Error(
        `tls.${key}: cannot read ${settings[key]}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      );
    }
  };
  return createSecureContext({ cert: read("cert"), key: read("key"), minVersion: settings.minVersion });
}

/**
 * STARTTLS: the plain socket becomes a TLS server socket. Bytes the client sent before the
 * handshake are a protocol violation (RFC 3207 §4.2), so the caller must have dropped them.
 */
export function startTls(socket: Socket, context: SecureContext): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const tls = new TLSSocket(socket, { isServer: true, secureContext: context });
    tls.once("secure", () => resolve(tls));
    tls.once("error", reject);
  });
}
