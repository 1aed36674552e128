// Cleartext schemes.
import { equalBytes } from "./constant-time.js";
import { MalformedHashError, type PasswordScheme } from "./types.js";

const asIs = (password: Buffer): Buffer => password;

function cleartext(name: string): PasswordScheme {
  return {
    name,
    encoding: "none",
    rawLength: 0,
    generate: asIs,
    verify: (password, raw) => equalBytes(password, raw),
  };
}

/**
 * PLAIN-TRUNC stores "<length>-<password>": a password that some other system cut to <length>
 * bytes. A longer login password is accepted when its first <length> bytes match (Dovecot's
 * plain_trunc_verify()). Dovecot generates it as plain PLAIN, without the length, which its own
 * verification then rejects ("missing length: prefix"); Loft writes "<length>-<password>", which
 * both accept.
 */
const plainTrunc: PasswordScheme = {
  name: "PLAIN-TRUNC",
  encoding: "none",
  rawLength: 0,
  generate: (password) => Buffer.concat([Buffer.from(`${password.length}-`), password]),
  verify: (password, raw) => {
    const match = /^([0-9]+)-/.exec(raw.toString("latin1"));
    if (match === null) throw new MalformedHashError("PLAIN-TRUNC missing length: prefix");
    const truncLength = Number(match[1]);
    const stored = raw.subarray(match[0].length);
    // Dovecot lets "0-" match every password (an empty prefix always matches); Loft does not.
    if (stored.length === 0) return false;
    if (stored.length === truncLength && password.length >= truncLength) {
      return equalBytes(stored, password.subarray(0, truncLength));
    }
    return equalBytes(stored, password);
  },
};

export const plainSchemes: PasswordScheme[] = [
  cleartext("PLAIN"),
  cleartext("CLEAR"),
  cleartext("CLEARTEXT"),
  plainTrunc,
];
