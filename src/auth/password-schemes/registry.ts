// Every scheme Loft knows, looked up as Dovecot does: case-insensitively, with an optional
// ".b64"/".base64"/".hex" suffix choosing the encoding.
import { argon2Schemes } from "./argon2.js";
import { cramMd5Schemes } from "./cram-md5.js";
import { cryptSchemes } from "./crypt.js";
import { digestSchemes } from "./digest.js";
import { digestMd5Scheme } from "./digest-md5.js";
import { otpScheme } from "./otp.js";
import { pbkdf2Scheme } from "./pbkdf2.js";
import { plainSchemes } from "./plain.js";
import { scramSchemes } from "./scram.js";
import type { PasswordEncoding, PasswordScheme } from "./types.js";

const SCHEMES: PasswordScheme[] = [
  ...plainSchemes,
  ...cryptSchemes,
  ...argon2Schemes,
  pbkdf2Scheme,
  ...digestSchemes,
  ...cramMd5Schemes,
  digestMd5Scheme,
  ...scramSchemes,
  otpScheme,
];

const BY_NAME = new Map(SCHEMES.map((scheme) => [scheme.name, scheme]));

export interface SchemeLookup {
  scheme: PasswordScheme;
  encoding: PasswordEncoding;
  /** True when the name carried a suffix; else the encoding may be guessed when decoding. */
  explicitEncoding: boolean;
}

export function lookupScheme(name: string): SchemeLookup | null {
  const dot = name.indexOf(".");
  const base = dot < 0 ? name : name.slice(0, dot);
  const scheme = BY_NAME.get(base.toUpperCase());
  if (scheme === undefined) return null;
  if (dot < 0) return { scheme, encoding: scheme.encoding, explicitEncoding: false };
  const suffix = name.slice(dot + 1).toLowerCase();
  if (suffix === "b64" || suffix === "base64") return { scheme, encoding: "base64", explicitEncoding: true };
  if (suffix === "hex") return { scheme, encoding: "hex", explicitEncoding: true };
  return null;
}

export function schemeNames(): string[] {
  return SCHEMES.map((scheme) => scheme.name);
}

/** Dovecot's password_scheme_is_alias(): same name, or schemes sharing one generator. */
export function isSchemeAlias(a: string, b: string): boolean {
  const first = lookupScheme(a.split(".")[0]);
  const second = lookupScheme(b.split(".")[0]);
  return first !== null && second !== null && first.scheme.generate === second.scheme.generate;
}
