import {
  failed,
  type SaslContext,
  type SaslExchange,
  type SaslMechanism,
  type SaslStep,
  utf8Field,
} from "./mechanism.js";

// EXTERNAL (RFC 4422 appendix A) with a TLS client certificate: the user is the certificate's
// subject field named by auth.cert_username_field (Dovecot's ssl_cert_username_field). Offered
// only on a TLS connection whose client sent a certificate the configured CA verified.

/** Dovecot names the field as OpenSSL's long names do; Node's subject uses the short ones. */
const SHORT_NAMES: Record<string, string> = {
  commonName: "CN",
  organizationName: "O",
  organizationalUnitName: "OU",
  countryName: "C",
  localityName: "L",
  stateOrProvinceName: "ST",
};

function certificateUser(ctx: SaslContext): string | null {
  const tls = ctx.conn.tls;
  if (!tls?.authorized) return null;
  const cert = tls.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return null;
  const field = ctx.auth.settings.certUsernameField ?? "commonName";
  const value = (cert.subject as unknown as Record<string, string | string[] | undefined> | undefined)?.[
    SHORT_NAMES[field] ?? field
  ];
  const name = Array.isArray(value) ? value[0] : value;
  return name ? name : null;
}

export const EXTERNAL: SaslMechanism = {
  name: "EXTERNAL",
  plaintext: false,
  available: (ctx) => certificateUser(ctx) !== null,
  start(ctx: SaslContext): SaslExchange {
    let asked = false;
    return {
      async step(response: Buffer | null): Promise<SaslStep> {
        if (response === null) {
          if (asked) return failed("EXTERNAL: no response");
          asked = true;
          return { challenge: Buffer.alloc(0) };
        }
        const authzid = utf8Field(response);
        if (authzid === null) return failed("EXTERNAL: invalid authorization identity");
        const user = certificateUser(ctx);
        if (user === null) return failed("EXTERNAL: no verified client certificate");
        if (authzid !== "" && authzid !== user)
          return failed("EXTERNAL: authorization identity differs from the certificate's user");
        return { result: await ctx.auth.loginAs(user, ctx.conn.remoteIp) };
      },
    };
  },
};
