import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import { createSecureContext, type SecureContext, TLSSocket } from "node:tls";

/** One certificate chosen by the name the client asks for (SNI). */
export interface SniCertificate {
  /** A host name, or "*.example.org" for any one label in front of example.org. */
  name: string;
  cert: string;
  key: string;
}

/** [tls] with its paths resolved against the config file's directory. */
export interface TlsSettings {
  cert: string;
  key: string;
  minVersion: "TLSv1.2" | "TLSv1.3";
  /** Dovecot's ssl: "no" turns TLS off even with a certificate. */
  mode?: "yes" | "no" | "required";
  /** CA certificates for client certificates; a client certificate is then requested. */
  ca?: string;
  /** OpenSSL cipher list (TLS 1.2 and older). */
  ciphers?: string;
  /** TLS 1.3 cipher suites. */
  cipherSuites?: string;
  sni?: SniCertificate[];
}

interface Contexts {
  fallback: SecureContext;
  byName: Map<string, SecureContext>;
  requestCert: boolean;
}

/** The files behind a settings value, each with the key that names it (for errors and watching). */
export function tlsFiles(settings: TlsSettings): { key: string; path: string }[] {
  if (!tlsEnabled(settings)) return [];
  const files = [
    { key: "tls.cert", path: settings.cert },
    { key: "tls.key", path: settings.key },
  ];
  if (settings.ca) files.push({ key: "tls.ca", path: settings.ca });
  (settings.sni ?? []).forEach((s, i) => {
    files.push({ key: `tls.sni[${i}].cert`, path: s.cert }, { key: `tls.sni[${i}].key`, path: s.key });
  });
  return files;
}

function tlsEnabled(settings: TlsSettings): boolean {
  return settings.cert !== "" && settings.mode !== "no";
}

function readPem(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

/** Builds every context from the files now on disk; any error names the key and file. */
function buildContexts(settings: TlsSettings): Contexts {
  const ca = settings.ca ? readPem("tls.ca", settings.ca) : undefined;
  // Node takes TLS 1.3 suites and the TLS 1.2 list in one string and tells them apart by name.
  const ciphers = [settings.cipherSuites, settings.ciphers].filter((c) => c).join(":") || undefined;
  const make = (certKey: string, cert: string, keyKey: string, key: string) => {
    const pem = { cert: readPem(certKey, cert), key: readPem(keyKey, key) };
    try {
      return createSecureContext({ ...pem, ca, ciphers, minVersion: settings.minVersion });
    } catch (err) {
      const reason = (err as Error).message;
      const which = /cipher/i.test(reason)
        ? settings.cipherSuites
          ? "tls.ciphers / tls.cipher_suites"
          : "tls.ciphers"
        : `${certKey} ${cert} / ${keyKey} ${key}`;
      throw new Error(`${which}: ${reason}`);
    }
  };
  const fallback = make("tls.cert", settings.cert, "tls.key", settings.key);
  const byName = new Map<string, SecureContext>();
  (settings.sni ?? []).forEach((s, i) => {
    byName.set(s.name.toLowerCase(), make(`tls.sni[${i}].cert`, s.cert, `tls.sni[${i}].key`, s.key));
  });
  return { fallback, byName, requestCert: ca !== undefined };
}

/**
 * The server's certificates. Every handshake asks for the current ones, so a reload serves new
 * connections at once while established sessions keep the keys they negotiated.
 */
export class TlsCertificates {
  private constructor(
    private settings: TlsSettings,
    private contexts: Contexts | null,
  ) {}

  /** Reads every file now: a missing or broken one throws, naming its key. */
  static load(settings: TlsSettings): TlsCertificates {
    return new TlsCertificates(settings, tlsEnabled(settings) ? buildContexts(settings) : null);
  }

  /** TLS can be offered (STARTTLS advertised, implicit-TLS handshakes served). */
  get enabled(): boolean {
    return this.contexts !== null;
  }

  /** Dovecot's ssl = required: no authentication at all on a connection that is not secured. */
  get required(): boolean {
    return this.contexts !== null && this.settings.mode === "required";
  }

  /** The files in use, for watching. */
  files(): { key: string; path: string }[] {
    return tlsFiles(this.settings);
  }

  /**
   * Re-reads the files (with new settings, on a config reload). A failure throws and keeps the
   * certificates in use, so a half-copied or mismatched new pair never takes TLS down.
   */
  reload(settings: TlsSettings = this.settings): void {
    const next = tlsEnabled(settings) ? buildContexts(settings) : null;
    this.settings = settings;
    this.contexts = next;
  }

  /** Options for a server-side TLS socket, resolved now. */
  socketOptions() {
    const contexts = this.contexts;
    if (contexts === null) throw new Error("TLS is not configured");
    return {
      isServer: true as const,
      secureContext: contexts.fallback,
      SNICallback: (name: string, cb: (err: Error | null, ctx?: SecureContext) => void) =>
        cb(null, this.contextFor(name)),
      // Asked for, never demanded: a client without one still gets TLS (SASL EXTERNAL reads it).
      requestCert: contexts.requestCert,
      rejectUnauthorized: false,
    };
  }

  /** The certificate for a name the client asked for: exact, then "*.parent", then the default. */
  contextFor(name: string): SecureContext | undefined {
    const contexts = this.contexts;
    if (contexts === null) return undefined;
    const host = name.toLowerCase().replace(/\.$/, "");
    const dot = host.indexOf(".");
    return (
      contexts.byName.get(host) ??
      (dot > 0 ? contexts.byName.get(`*${host.slice(dot)}`) : undefined) ??
      contexts.fallback
    );
  }
}

/** The server's TLS certificates, or null when none is configured. Unreadable files throw, naming them. */
export function loadTlsContext(settings: TlsSettings): TlsCertificates | null {
  const certificates = TlsCertificates.load(settings);
  return certificates.enabled ? certificates : null;
}

/**
 * STARTTLS or implicit TLS: the plain socket becomes a TLS server socket. Bytes the client sent
 * before the handshake are a protocol violation (RFC 3207 §4.2), so the caller must have
 * dropped them.
 */
export function startTls(socket: Socket, certificates: TlsCertificates): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const tls = new TLSSocket(socket, certificates.socketOptions());
    tls.once("secure", () => {
      checkClientCertificate(tls);
      resolve(tls);
    });
    tls.once("error", reject);
  });
}

/**
 * Node sets `authorized` only on sockets a tls.Server accepted; ours wrap sockets accepted in
 * plain text, so the client certificate's verification against `tls.ca` is read here the way
 * tls.Server does it (SASL EXTERNAL trusts `authorized`).
 */
function checkClientCertificate(tls: TLSSocket): void {
  const handle = (tls as unknown as { _handle?: { verifyError(): Error | null } })._handle;
  if (!handle || Object.keys(tls.getPeerCertificate()).length === 0) return;
  const error = handle.verifyError();
  if (error) tls.authorizationError = error;
  else tls.authorized = true;
}

/**
 * Dovecot's "secured" connection, on which TLS is not needed to authenticate: TLS itself, a
 * unix socket, or a client on the server's own address (a local process).
 */
export function isSecured(socket: Socket, remoteIp: string): boolean {
  return "encrypted" in socket || remoteIp === "unix" || remoteIp === socket.localAddress;
}
