/** How a scheme's raw bytes are written after the `{SCHEME}` prefix (Dovecot's PW_ENCODING_*). */
export type PasswordEncoding = "none" | "base64" | "hex";

export interface SchemeParams {
  /** The login name; DIGEST-MD5 hashes it into the secret. */
  user?: string;
  /** Cost: bcrypt's log2 rounds, SHA-crypt's rounds, PBKDF2's iterations, Argon2's passes. */
  rounds?: number;
}

/**
 * One Dovecot password scheme. `generate` returns the raw bytes before encoding; `verify` gets the
 * stored value already decoded. Without `verify` a password is checked by generating it again and
 * comparing (the scheme has no salt). A malformed stored value makes `verify` throw
 * MalformedHashError; the face turns that into a failed check.
 */
export interface PasswordScheme {
  readonly name: string;
  readonly encoding: PasswordEncoding;
  /** Decoded length when it is fixed (then hex and base64 are told apart by length), else 0. */
  readonly rawLength: number;
  generate(password: Buffer, params: SchemeParams): Buffer | Promise<Buffer>;
  verify?(password: Buffer, raw: Buffer, params: SchemeParams): boolean | Promise<boolean>;
}

/** The stored value (or the `{SCHEME}` name) asks for a scheme Loft does not know. */
export class UnknownSchemeError extends Error {
  constructor(readonly scheme: string) {
    super(`Unknown scheme: ${scheme}`);
    this.name = "UnknownSchemeError";
  }
}

/** A stored hash that cannot be checked: bad encoding, wrong length, unparsable fields. */
export class MalformedHashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MalformedHashError";
  }
}

/** A scheme needs a parameter that was not given (DIGEST-MD5 without a user name). */
export class MissingParameterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MissingParameterError";
  }
}
