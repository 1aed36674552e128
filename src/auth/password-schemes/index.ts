// Dovecot-compatible password schemes: the face the rest of Loft imports.
export type { CramMd5Context } from "./cram-md5.js";
export { CRAM_MD5_CONTEXT_LENGTH, cramMd5Response, decodeCramMd5Context } from "./cram-md5.js";
export { canSupplyCredentials, getCredentials } from "./credentials.js";
export { DEFAULT_PASS_SCHEME, type HashOptions, hashPassword } from "./generate.js";
export type { ScramCredentials, ScramHash } from "./scram.js";
export { parseScramCredentials, scramKeys, scramSaltedPassword } from "./scram.js";
export { type StoredPassword, splitStoredPassword } from "./stored.js";
export { MalformedHashError, MissingParameterError, UnknownSchemeError } from "./types.js";
export {
  checkPassword,
  PASSWD_FILE_DEFAULT_SCHEME,
  type PasswordCheck,
  type VerifyOptions,
  verifyPassword,
} from "./verify.js";

import { lookupScheme, schemeNames } from "./registry.js";

/** Every scheme name Loft supports, without encoding suffixes. */
export function listSchemes(): string[] {
  return schemeNames();
}

/** True for a known scheme name, with or without a ".b64"/".base64"/".hex" suffix, any case. */
export function isKnownScheme(name: string): boolean {
  return lookupScheme(name) !== null;
}
