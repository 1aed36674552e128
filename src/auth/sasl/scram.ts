import { createHash, createHmac, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import type Saslprep from "@mongodb-js/saslprep";
import { equalBytes } from "../password-schemes/constant-time.js";
import {
  parseScramCredentials,
  type ScramHash,
  scramKeys,
  scramSaltedPassword,
} from "../password-schemes/index.js";
import { channelBinding, channelBindingTypes } from "./channel-binding.js";
import {
  failed,
  type SaslContext,
  type SaslExchange,
  type SaslMechanism,
  type SaslStep,
  utf8Field,
} from "./mechanism.js";

const require = createRequire(import.meta.url);
let saslprepModule: typeof Saslprep | undefined;

/** SASLprep, loaded on first use: its tables take milliseconds to build, which loft-lda never needs. */
function saslprep(text: string): string {
  saslprepModule ??= require("@mongodb-js/saslprep") as typeof Saslprep;
  return saslprepModule(text);
}

// SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677) and their -PLUS forms with TLS channel
// binding, checked against the stored verifier ({SCRAM-SHA-*}) or one made from a cleartext password.

const NODE_HASH = { "SHA-1": "sha1", "SHA-256": "sha256" } as const;
/** Keys the made-up salt of users without a verifier, so it stays the same between attempts. */
const FAKE_SALT_KEY = randomBytes(32);

/** What Dovecot generates and RFC 5802 §5.1 asks for at least. */
const SCRAM_ITERATIONS = 4096;

/** RFC 5802 §2.2: Hi() is over Normalize(password), SASLprep; a password it rejects is used as given. */
function prepared(password: Buffer): Buffer {
  try {
    return Buffer.from(saslprep(password.toString("utf8")), "utf8");
  } catch {
    return password;
  }
}

/** RFC 5802 §5.1 saslname: "=2C" is ",", "=3D" is "=", any other "=" is an error. */
function decodeSaslName(value: string): string | null {
  if (/=(?!2C|3D)/.test(value)) return null;
  return value.replace(/=2C/g, ",").replace(/=3D/g, "=");
}

interface ClientFirst {
  gs2Header: string;
  cbType: string | null;
  /** "y": the client could bind but thought the server could not. */
  cbFlag: "n" | "y" | "p";
  authzid: string;
  user: string;
  nonce: string;
  bare: string;
}

function parseClientFirst(text: string): ClientFirst | string {
  const m = /^(n|y|p=([A-Za-z0-9.-]+)),(?:a=([^,]*))?,(.*)$/s.exec(text);
  if (!m) return "malformed GS2 header";
  const bare = m[4]!;
  const attrs = bare.split(",");
  if (attrs[0]?.startsWith("m=")) return "mandatory extension not supported";
  const user = attrs[0]?.startsWith("n=") ? decodeSaslName(attrs[0].slice(2)) : null;
  const nonce = attrs[1]?.startsWith("r=") ? attrs[1].slice(2) : null;
  const authzid = m[3] === undefined ? "" : decodeSaslName(m[3]);
  if (user === null || user === "" || authzid === null) return "malformed user name";
  if (!nonce || !/^[\x21-\x2b\x2d-\x7e]+$/.test(nonce)) return "malformed nonce";
  const cbFlag = m[1] === "n" ? "n" : m[1] === "y" ? "y" : "p";
  return {
    gs2Header: text.slice(0, text.length - bare.length),
    cbType: m[2] ?? null,
    cbFlag,
    authzid,
    user,
    nonce,
    bare,
  };
}

function scram(hash: ScramHash, plus: boolean): SaslMechanism {
  const algorithm = NODE_HASH[hash];
  const scheme = `SCRAM-${hash}`;
  const name = plus ? `${scheme}-PLUS` : scheme;
  const hmac = (key: Buffer, data: string) => createHmac(algorithm, key).update(data).digest();
  return {
    name,
    plaintext: false,
    available: ({ auth, conn }) =>
      auth.supplies(scheme) && (!plus || (conn.tls !== null && channelBindingTypes(conn.tls).length > 0)),
    start({ auth, conn }: SaslContext): SaslExchange {
      let stage: "first" | "final" | "done" = "first";
      let first: ClientFirst;
      let serverFirst = "";
      let nonce = "";
      let credentials: Awaited<ReturnType<typeof auth.credentials>>;
      let keys: { storedKey: Buffer; serverKey: Buffer } | null = null;
      return {
        async step(response: Buffer | null): Promise<SaslStep> {
          if (stage === "done") return failed(`${name}: unexpected response`);
          if (response === null) return { challenge: Buffer.alloc(0) };
          const text = utf8Field(response);
          if (text === null) return failed(`${name}: invalid UTF-8`);
          if (stage === "first") {
            const parsed = parseClientFirst(text);
            if (typeof parsed === "string") return failed(`${name}: ${parsed}`);
            first = parsed;
            if (plus && first.cbFlag !== "p")
              return failed(`${name}: client did not ask for channel binding`);
            if (!plus && first.cbFlag === "p")
              return failed(`${name}: channel binding asked for without -PLUS`);
            // RFC 5802 §6: "y" while this server offers -PLUS on the connection means a downgrade.
            if (first.cbFlag === "y" && conn.tls !== null && channelBindingTypes(conn.tls).length > 0)
              return failed(`${name}: channel binding downgrade detected`);
            // Users without a stored verifier get a salt that stays the same between attempts,
            // whether their password is stored in cleartext or they do not exist: a changing salt
            // would tell the two apart.
            const madeUpSalt = createHmac("sha256", FAKE_SALT_KEY)
              .update(first.user)
              .digest()
              .subarray(0, 16);
            let iterations = SCRAM_ITERATIONS;
            let salt: Buffer = madeUpSalt;
            keys = null;
            const cleartext = await auth.credentials(first.user, first.authzid, "PLAIN");
            if (cleartext.secret !== null) {
              credentials = cleartext;
              keys = scramKeys(
                await scramSaltedPassword(prepared(cleartext.secret), salt, iterations, hash),
                hash,
              );
            } else {
              credentials = await auth.credentials(first.user, first.authzid, scheme);
              try {
                if (credentials.secret === null) throw new Error(credentials.missing);
                const stored = parseScramCredentials(credentials.secret.toString("utf8"), hash);
                ({ iterations, salt } = stored);
                keys = stored;
              } catch {
                // The time a cleartext user's verifier takes, so that timing tells nothing either.
                await scramSaltedPassword(randomBytes(16), madeUpSalt, iterations, hash);
              }
            }
            nonce = first.nonce + randomBytes(18).toString("base64");
            serverFirst = `r=${nonce},s=${salt.toString("base64")},i=${iterations}`;
            stage = "final";
            return { challenge: Buffer.from(serverFirst) };
          }
          stage = "done";
          const m = /^c=([A-Za-z0-9+/=]*),r=([^,]*)((?:,[a-z]=[^,]*)*),p=([A-Za-z0-9+/=]+)$/.exec(text);
          if (!m) return failed(`${name}: malformed client-final-message`);
          let cbind = Buffer.from(first.gs2Header);
          if (first.cbType !== null) {
            const data = conn.tls ? channelBinding(conn.tls, first.cbType) : null;
            if (data === null) return failed(`${name}: channel binding type ${first.cbType} not available`);
            cbind = Buffer.concat([cbind, data]);
          }
          const sentCbind = Buffer.from(m[1]!, "base64");
          if (!equalBytes(sentCbind, cbind)) return failed(`${name}: channel binding does not match`);
          if (m[2] !== nonce) return failed(`${name}: nonce mismatch`);
          const withoutProof = text.slice(0, text.lastIndexOf(",p="));
          const authMessage = `${first.bare},${serverFirst},${withoutProof}`;
          const proof = Buffer.from(m[4]!, "base64");
          const storedKey = keys?.storedKey ?? randomBytes(proof.length);
          const signature = hmac(storedKey, authMessage);
          if (proof.length !== signature.length) return failed(`${name}: proof has the wrong length`);
          const clientKey = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
          const matched = equalBytes(createHash(algorithm).update(clientKey).digest(), storedKey);
          if (keys === null) return failed(credentials.missing ?? `${name}: no verifier`);
          if (!matched) return failed(`${name}: proof mismatch`, credentials.nodelay);
          const verifier = hmac(keys.serverKey, authMessage).toString("base64");
          return { result: await credentials.accept(conn.remoteIp), final: Buffer.from(`v=${verifier}`) };
        },
      };
    },
  };
}

export const SCRAM_SHA_1 = scram("SHA-1", false);
export const SCRAM_SHA_1_PLUS = scram("SHA-1", true);
export const SCRAM_SHA_256 = scram("SHA-256", false);
export const SCRAM_SHA_256_PLUS = scram("SHA-256", true);
