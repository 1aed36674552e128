import { createHash } from "node:crypto";
import type { TLSSocket } from "node:tls";

// TLS channel bindings for SCRAM-*-PLUS: tls-exporter (RFC 9266, TLS 1.3 only) and
// tls-server-end-point (RFC 5929 §4: a hash of the server's certificate).

export type ChannelBindingType = "tls-exporter" | "tls-server-end-point";

/** The binding data of `type` on this connection, or null when it has none. */
export function channelBinding(tls: TLSSocket, type: string): Buffer | null {
  if (type === "tls-exporter") {
    // RFC 9266 §2: defined for TLS 1.3; with TLS 1.2 it is safe only with extended master secret.
    if (tls.getProtocol() !== "TLSv1.3") return null;
    return tls.exportKeyingMaterial(32, "EXPORTER-Channel-Binding", Buffer.alloc(0));
  }
  if (type === "tls-server-end-point") {
    const raw = tls.getCertificate();
    const der = raw && "raw" in raw ? (raw.raw as Buffer) : null;
    if (!der) return null;
    const hash = endPointHash(der);
    return hash ? createHash(hash).update(der).digest() : null;
  }
  return null;
}

/** The channel binding types this connection can supply. */
export function channelBindingTypes(tls: TLSSocket): ChannelBindingType[] {
  return (["tls-exporter", "tls-server-end-point"] as const).filter((t) => channelBinding(tls, t) !== null);
}

// Signature algorithm OIDs (DER bytes of the OID value) and the hash RFC 5929 §4.1 picks: the
// certificate's own signature hash, except that MD5 and SHA-1 become SHA-256.
const SIGNATURE_HASHES: [string, string][] = [
  ["2a864886f70d010104", "sha256"], // md5WithRSAEncryption
  ["2a864886f70d010105", "sha256"], // sha1WithRSAEncryption
  ["2a864886f70d01010b", "sha256"], // sha256WithRSAEncryption
  ["2a864886f70d01010c", "sha384"],
  ["2a864886f70d01010d", "sha512"],
  ["2a8648ce3d040301", "sha256"], // ecdsa-with-SHA1
  ["2a8648ce3d040302", "sha256"], // ecdsa-with-SHA256
  ["2a8648ce3d040303", "sha384"],
  ["2a8648ce3d040304", "sha512"],
];

/** Reads one DER element's header at `pos`: where its content starts and how long it is. */
function derElement(der: Buffer, pos: number): { tag: number; start: number; end: number } | null {
  if (pos + 2 > der.length) return null;
  const tag = der[pos]!;
  let len = der[pos + 1]!;
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > der.length) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
    start += n;
  }
  return start + len <= der.length ? { tag, start, end: start + len } : null;
}

/** The hash for the certificate's signatureAlgorithm; null for ones RFC 5929 leaves undefined (Ed25519, PSS). */
function endPointHash(der: Buffer): string | null {
  const cert = derElement(der, 0);
  const tbs = cert && derElement(der, cert.start);
  const algorithm = tbs && derElement(der, tbs.end);
  const oid = algorithm && derElement(der, algorithm.start);
  if (oid?.tag !== 0x06) return null;
  const hex = der.subarray(oid.start, oid.end).toString("hex");
  return SIGNATURE_HASHES.find(([o]) => o === hex)?.[1] ?? null;
}
