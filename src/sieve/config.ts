// Engine settings, with Pigeonhole's defaults (sieve.md §1.6).

export interface SieveConfig {
  /** Capabilities a script may require (Pigeonhole's `sieve_extensions`). */
  extensions: ReadonlySet<string>;
  maxScriptSize: number;
  maxActions: number;
  maxRedirects: number;
  /** Where `keep` and the implicit keep store. */
  defaultMailbox: string;
  /** Separators between user and detail (Dovecot's `recipient_delimiter`); each character is one. */
  recipientDelimiter: string;
  maxIncludeDepth: number;
  maxIncludes: number;
  /** Wall-clock budget for one script run, in milliseconds (Pigeonhole: 30 s of CPU). */
  maxRunMillis: number;
  vacation: { defaultPeriod: number; minPeriod: number; maxPeriod: number };
  /** Headers read by spamtest/virustest, with the score format (RFC 5235). */
  spamtest: ScoreHeaderConfig | null;
  virustest: ScoreHeaderConfig | null;
  /** Header names editheader may not add or delete (besides Received and Auto-Submitted). */
  protectedHeaders: string[];
  maxHeaderSize: number;
  /** The name reported by the environment extension's `name` item. */
  implementationName: string;
  implementationVersion: string;
}

export interface ScoreHeaderConfig {
  header: string;
  /** A regex whose first group captures the score. */
  pattern: string;
  /** The score that maps to the top of the scale (RFC 5235 §3.2). */
  max: number;
}

/** Extensions Pigeonhole enables by default (its ManageSieve SIEVE capability). */
export const DEFAULT_EXTENSIONS = [
  "fileinto",
  "reject",
  "envelope",
  "encoded-character",
  "vacation",
  "subaddress",
  "comparator-i;ascii-numeric",
  "relational",
  "regex",
  "imap4flags",
  "copy",
  "include",
  "variables",
  "body",
  "enotify",
  "environment",
  "mailbox",
  "date",
  "index",
  "ihave",
  "duplicate",
  "mime",
  "foreverypart",
  "extracttext",
];

/**
 * The extensions Pigeonhole's `sieve_extensions` names: `+name` and `-name` add to and take from
 * the default set; names without a sign replace it. Empty: the default set.
 */
export function extensionSet(spec: readonly string[]): Set<string> {
  const replacing = spec.filter((s) => !/^[+-]/.test(s));
  const set = new Set(replacing.length > 0 ? replacing : DEFAULT_EXTENSIONS);
  for (const s of spec) {
    if (s.startsWith("+")) set.add(s.slice(1));
    else if (s.startsWith("-")) set.delete(s.slice(1));
  }
  return set;
}

export function defaultConfig(overrides: Partial<SieveConfig> = {}): SieveConfig {
  return {
    extensions: new Set(DEFAULT_EXTENSIONS),
    maxScriptSize: 1024 * 1024,
    maxActions: 32,
    maxRedirects: 4,
    defaultMailbox: "INBOX",
    recipientDelimiter: "+",
    maxIncludeDepth: 10,
    maxIncludes: 255,
    maxRunMillis: 30_000,
    vacation: { defaultPeriod: 7 * 86400, minPeriod: 86400, maxPeriod: 0 },
    // Pigeonhole needs sieve_spamtest_* settings; these are the common SpamAssassin-style
    // score headers, replaced by the server's configuration.
    spamtest: { header: "X-Spam-Score", pattern: "(-?[0-9]+(?:\\.[0-9]+)?)", max: 10 },
    virustest: { header: "X-Virus-Score", pattern: "([0-9]+(?:\\.[0-9]+)?)", max: 5 },
    protectedHeaders: [],
    maxHeaderSize: 2048,
    implementationName: "Loft Sieve",
    implementationVersion: "0.1",
    ...overrides,
  };
}
