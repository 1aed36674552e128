import { z } from "zod";

// Key names follow Dovecot's where Dovecot has one, so admins' habits and tools carry over.
// Every key has a default: the empty file is a complete config (the embedded default).

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** `"host:port"`, `"[v6]:port"` or `"unix:/path"`. */
const listenAddress = z.string().superRefine((value, ctx) => {
  if (parseListenAddress(value) === null) {
    ctx.addIssue({
      code: "custom",
      message: `expected "host:port" with a port from 1 to 65535, or "unix:/path"; found ${JSON.stringify(value)}`,
    });
  }
});

export type ListenAddress = { kind: "tcp"; host: string; port: number } | { kind: "unix"; path: string };

export function parseListenAddress(value: string): ListenAddress | null {
  if (value.startsWith("unix:")) {
    const path = value.slice(5);
    return path.length > 0 && !path.includes("\0") ? { kind: "unix", path } : null;
  }
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(value);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { kind: "tcp", host: m[1] ?? m[2]!, port };
}

const seconds = (what: string) =>
  z
    .number({ error: `expected a number of seconds for ${what}` })
    .nonnegative()
    .max(86_400);

function protocol(name: string) {
  return z
    .strictObject({
      listen: z
        .array(listenAddress)
        .default([])
        .describe(
          `Where ${name} listens: "host:port" or "unix:/path" entries; an empty list turns ${name} off.`,
        ),
    })
    .prefault({});
}

export const configSchema = z.strictObject({
  mail_location: z
    .string()
    .min(1)
    .default("maildir:~/Maildir")
    .describe(
      "Where and in which format users' mail lives, in Dovecot's syntax (e.g. \"maildir:~/Maildir\").",
    ),
  state_dir: z
    .string()
    .min(1)
    .default("var")
    .describe("Directory for Loft's own state; relative paths are relative to the config file's directory."),
  user: z
    .string()
    .default("")
    .describe(
      "System user to run as after binding ports when started as root; empty keeps the current user.",
    ),
  group: z
    .string()
    .default("")
    .describe("System group to run as with `user`; empty: that user's primary group."),
  shutdown_timeout: seconds("shutdown_timeout")
    .default(10)
    .describe("Seconds that open sessions get to finish after SIGTERM/SIGINT before they are closed."),
  log: z
    .strictObject({
      level: z
        .enum(LOG_LEVELS)
        .default("info")
        .describe(`Log level: ${LOG_LEVELS.join(", ")}.`),
      path: z.string().default("").describe("Log file; empty logs to standard output."),
      format: z
        .enum(["auto", "json", "pretty"])
        .default("auto")
        .describe("json, pretty, or auto (pretty on a terminal, JSON otherwise)."),
    })
    .prefault({}),
  auth: z
    .strictObject({
      passwd_file: z
        .string()
        .min(1)
        .default("var/users")
        .describe("Dovecot passwd-file holding users and password hashes (passdb and userdb)."),
      default_pass_scheme: z
        .string()
        .regex(/^[A-Z0-9-]+(\.(b64|hex|BASE64|HEX))?$/i, "expected a scheme name such as ARGON2ID")
        .default("ARGON2ID")
        .describe(
          "Scheme for new password hashes. Stored hashes without a {SCHEME} prefix are CRYPT, as in Dovecot's passwd-file.",
        ),
      disable_plaintext_auth: z
        .boolean()
        .default(true)
        .describe("Refuse plaintext authentication on connections without TLS (except from loopback)."),
      failure_delay: seconds("auth.failure_delay")
        .default(2)
        .describe("Seconds to wait before answering a failed authentication."),
      username_chars: z
        .string()
        .default("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01234567890.-_@+")
        .describe(
          "Characters allowed in user names; empty allows any except '/', NUL and control characters.",
        ),
    })
    .prefault({}),
  imap: protocol("IMAP"),
  pop3: protocol("POP3"),
  lmtp: protocol("LMTP"),
  managesieve: protocol("ManageSieve"),
});

export type Config = z.output<typeof configSchema>;
