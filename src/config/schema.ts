import { z } from "zod";
// The names alone: the config must not load the Sieve engine.
import { EXTENSION_NAMES } from "../sieve/extension-names.js";
import { didYouMean } from "./did-you-mean.js";
import { DEFAULT_STATE_DIR } from "./state-dir-default.js";

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

/** Bytes, as a number or with a K/M/G suffix ("1M"), as Dovecot writes sizes. */
const size = (what: string) =>
  z
    .union([
      z.number().int().nonnegative(),
      z.string().regex(/^\d+\s*[KMG]?$/i, `expected a size for ${what}, e.g. 1M`),
    ])
    .transform((v) => {
      if (typeof v === "number") return v;
      const m = /^(\d+)\s*([KMG]?)$/i.exec(v)!;
      return Number(m[1]) * 1024 ** " KMG".indexOf((m[2] || " ").toUpperCase());
    });

interface ProtocolDefaults {
  listen: string[];
  idleTimeout: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
}

function protocol(name: string, defaults: ProtocolDefaults) {
  return z
    .strictObject({
      listen: z
        .array(listenAddress)
        .default(defaults.listen)
        .describe(
          `Where ${name} listens: "host:port" or "unix:/path" entries; an empty list turns ${name} off.`,
        ),
      idle_timeout: seconds(`${name} idle_timeout`)
        .default(defaults.idleTimeout)
        .describe(`Seconds of silence after which a ${name} client is disconnected.`),
      max_connections: z
        .number()
        .int()
        .positive()
        .default(defaults.maxConnections)
        .describe(`Most ${name} connections open at once.`),
      max_connections_per_ip: z
        .number()
        .int()
        .positive()
        .default(defaults.maxConnectionsPerIp)
        .describe(`Most ${name} connections open at once from one address.`),
    })
    .prefault({});
}

const SASL_MECHANISMS = [
  "PLAIN",
  "LOGIN",
  "CRAM-MD5",
  "DIGEST-MD5",
  "SCRAM-SHA-1",
  "SCRAM-SHA-1-PLUS",
  "SCRAM-SHA-256",
  "SCRAM-SHA-256-PLUS",
  "EXTERNAL",
  "OAUTHBEARER",
  "XOAUTH2",
  "ANONYMOUS",
] as const;
/** Everything but DIGEST-MD5 (historic, RFC 6331) and ANONYMOUS. */
const DEFAULT_MECHANISMS = SASL_MECHANISMS.filter((m) => m !== "DIGEST-MD5" && m !== "ANONYMOUS");

const OFF = { listen: [] as string[], idleTimeout: 1800, maxConnections: 1000, maxConnectionsPerIp: 20 };

const configShape = z.strictObject({
  mail_location: z
    .string()
    .min(1)
    .default("maildir:~/Maildir")
    .describe(
      'Where and in which format users\' mail lives, in Dovecot\'s syntax (e.g. "maildir:~/Maildir", "mbox:~/mail:INBOX=/var/mail/%u").',
    ),
  mdbox_rotate_size: size("mdbox_rotate_size")
    .prefault("10M")
    .describe(
      "mdbox: a storage file takes no more messages once this big (K/M/G allowed), as Dovecot's setting.",
    ),
  state_dir: z
    .string()
    .min(1)
    .default(DEFAULT_STATE_DIR)
    .describe("Directory for Loft's own state; relative paths are relative to the config file's directory."),
  user: z
    .string()
    .default("")
    .describe(
      "System user to run as after binding ports when started as root; its mail is the virtual users' mail. Empty: root listens on loopback only.",
    ),
  group: z
    .string()
    .default("")
    .describe("System group to run as with `user`; empty: that user's primary group."),
  shutdown_timeout: seconds("shutdown_timeout")
    .default(10)
    .describe("Seconds that open sessions get to finish after SIGTERM/SIGINT before they are closed."),
  namespace: z
    .strictObject({
      separator: z
        .string()
        .length(1, "expected one character")
        .default("/")
        .describe("Hierarchy separator clients see in mailbox names (Dovecot's namespace separator)."),
    })
    .prefault({}),
  mailboxes: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        special_use: z
          .enum(["\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash"])
          .optional(),
        auto: z.enum(["no", "create", "subscribe"]).default("no"),
      }),
    )
    .default([
      { name: "Drafts", special_use: "\\Drafts", auto: "subscribe" },
      { name: "Sent", special_use: "\\Sent", auto: "subscribe" },
      { name: "Trash", special_use: "\\Trash", auto: "subscribe" },
      { name: "Junk", special_use: "\\Junk", auto: "subscribe" },
      { name: "Archive", special_use: "\\Archive", auto: "subscribe" },
    ])
    .describe(
      "Mailboxes with RFC 6154 special-use attributes ([[mailboxes]] tables: name, special_use, auto = no/create/subscribe), as Dovecot's mailbox blocks.",
    ),
  quota: z
    .strictObject({
      storage: size("quota.storage")
        .prefault(0)
        .describe(
          "Default storage quota per user in bytes (K/M/G allowed); 0: none. userdb quota_rule overrides it.",
        ),
      messages: z
        .number()
        .int()
        .nonnegative()
        .default(0)
        .describe("Default message-count quota per user; 0: none. userdb quota_rule overrides it."),
    })
    .prefault({}),
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
        .describe(
          "Refuse plaintext authentication on connections without TLS (except from the server's own address, as in Dovecot).",
        ),
      failure_delay: seconds("auth.failure_delay")
        .default(2)
        .describe("Seconds to wait before answering a failed authentication."),
      username_format: z
        .string()
        .min(1)
        .default("%Lu")
        .describe(
          'How a login or recipient name becomes the userdb name (Dovecot\'s auth_username_format): %u, %n (local part), %d (domain), L for lower case; "%Ln" drops the domain.',
        ),
      username_chars: z
        .string()
        .default("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01234567890.-_@+")
        .describe(
          "Characters allowed in user names; empty allows any except '/', NUL and control characters.",
        ),
      mechanisms: z
        .array(z.enum(SASL_MECHANISMS))
        .default(DEFAULT_MECHANISMS)
        .describe(
          "SASL mechanisms (auth_mechanisms), each advertised only where it can work: CRAM-MD5, DIGEST-MD5 and SCRAM when the passdb holds a fitting hash or cleartext, -PLUS over TLS, EXTERNAL with a verified client certificate, OAUTHBEARER/XOAUTH2 with auth.oauth2 set.",
        ),
      master_passwd_file: z
        .string()
        .default("")
        .describe(
          'passwd-file of master users, who log in as "user*master" with their own password; empty: none.',
        ),
      master_user_separator: z
        .string()
        .default("*")
        .describe("Separates the user from the master user in a login name (auth_master_user_separator)."),
      script: z
        .string()
        .default("")
        .describe(
          "JavaScript module (.mjs) exporting lookup(user) and optionally verify(user, password): a passdb and userdb asked before the passwd-file, as Dovecot's Lua auth.",
        ),
      cache_ttl: seconds("auth.cache_ttl")
        .default(0)
        .describe(
          "Seconds a passdb answer is cached (auth_cache_ttl); 0: no cache. Cleared when a passwd-file changes.",
        ),
      cache_negative_ttl: seconds("auth.cache_negative_ttl")
        .default(0)
        .describe("Seconds an unknown user is cached (auth_cache_negative_ttl); 0: not cached."),
      penalty_init: seconds("auth.penalty_init")
        .default(2)
        .describe(
          "Seconds an address waits before its next login after one failure; doubles with each further failure (Dovecot's auth penalty).",
        ),
      penalty_max: seconds("auth.penalty_max")
        .default(15)
        .describe("Longest penalty delay in seconds; a successful login resets it."),
      max_unauthenticated_per_ip: z
        .number()
        .int()
        .positive()
        .default(10)
        .describe("Most connections from one address that have not logged in yet, across all protocols."),
      anonymous_username: z
        .string()
        .default("anonymous")
        .describe("The user ANONYMOUS logs in as (auth_anonymous_username)."),
      cert_username_field: z
        .string()
        .default("commonName")
        .describe("Client certificate subject field naming the user for EXTERNAL (ssl_cert_username_field)."),
      oauth2: z
        .strictObject({
          introspection_url: z
            .string()
            .default("")
            .describe(
              "RFC 7662 token introspection URL for OAUTHBEARER/XOAUTH2; empty: tokens are JWTs checked locally.",
            ),
          jwt_keys: z
            .array(z.string().min(1))
            .default([])
            .describe(
              'Files with JWT signing keys (PEM public key, JWK or JWK Set; an "oct" JWK for HS256).',
            ),
          username_claim: z
            .string()
            .min(1)
            .default("email")
            .describe("Token claim naming the user (Dovecot's oauth2 username_attribute)."),
          issuers: z.array(z.string()).default([]).describe("Accepted token issuers (iss); empty: any."),
          audience: z.string().default("").describe("Required token audience (aud); empty: not checked."),
        })
        .prefault({}),
    })
    .prefault({}),
  tls: z
    .strictObject({
      cert: z.string().default("").describe("PEM certificate chain for TLS and STARTTLS; empty: no TLS."),
      key: z.string().default("").describe("PEM private key for `tls.cert`."),
      min_protocol: z
        .enum(["TLSv1.2", "TLSv1.3"])
        .default("TLSv1.2")
        .describe("Oldest TLS version accepted."),
      mode: z
        .enum(["yes", "no", "required"])
        .default("yes")
        .describe(
          'Dovecot\'s ssl: "yes" offers TLS when a certificate is set; "required" also refuses every authentication (any mechanism) before TLS, except on local connections; "no" turns TLS off.',
        ),
      ca: z
        .string()
        .default("")
        .describe(
          "PEM CA certificates for client certificates: a client certificate is then requested, not required (ssl_ca).",
        ),
      ciphers: z
        .string()
        .default("")
        .describe("OpenSSL cipher list for TLS 1.2 (ssl_cipher_list); empty: Node's default."),
      cipher_suites: z
        .string()
        .default("")
        .describe("TLS 1.3 cipher suites, colon-separated (ssl_cipher_suites); empty: Node's default."),
      sni: z
        .array(
          z.strictObject({
            name: z
              .string()
              .regex(
                /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/,
                {
                  error: 'expected a host name such as "mail.example.org" or "*.example.org"',
                },
              ),
            cert: z.string().min(1, "expected the path of a PEM certificate chain"),
            key: z.string().min(1, "expected the path of a PEM private key"),
          }),
        )
        .default([])
        .describe(
          "Certificates chosen by the name a client asks for (SNI): [[tls.sni]] tables with name, cert, key, as Dovecot's local_name blocks.",
        ),
    })
    .refine((t) => (t.cert === "") === (t.key === ""), {
      message: "tls.cert and tls.key go together: set both or neither",
    })
    .refine((t) => t.mode !== "required" || t.cert !== "", {
      message: 'tls.mode = "required" needs tls.cert and tls.key',
    })
    .prefault({}),
  sieve: z
    .strictObject({
      location: z
        .string()
        .default("file:~/sieve;active=~/.dovecot.sieve")
        .describe("Users' scripts and the active one, in Pigeonhole's syntax (its `sieve` setting)."),
      max_script_size: size("sieve.max_script_size")
        .prefault("1M")
        .describe("Largest script a user may store, in bytes or with K/M/G (sieve_max_script_size)."),
      quota_max_scripts: z
        .number()
        .int()
        .nonnegative()
        .default(0)
        .describe("Most scripts a user may store; 0: no limit (sieve_quota_max_scripts)."),
      quota_max_storage: size("sieve.quota_max_storage")
        .prefault(0)
        .describe("Most bytes of scripts a user may store; 0: no limit (sieve_quota_max_storage)."),
      extensions: z
        .array(
          z.string().superRefine((value, ctx) => {
            const name = value.replace(/^[+-]/, "");
            if (EXTENSION_NAMES.includes(name)) return;
            const guess = didYouMean(name, EXTENSION_NAMES);
            ctx.addIssue({
              code: "custom",
              message: `unknown Sieve extension ${JSON.stringify(value)}; ${
                guess !== undefined
                  ? `did you mean "${value.slice(0, value.length - name.length)}${guess}"?`
                  : `Loft has ${EXTENSION_NAMES.join(", ")}`
              }`,
            });
          }),
        )
        .default([])
        .describe(
          'Extensions scripts may use, as Pigeonhole\'s sieve_extensions: ["+editheader", "-enotify"] adds to and takes from the default set, names without a sign replace it; empty: the default set.',
        ),
      max_actions: z
        .number()
        .int()
        .positive()
        .default(32)
        .describe("Most actions one script run may perform."),
      max_redirects: z
        .number()
        .int()
        .nonnegative()
        .default(4)
        .describe("Most redirect actions one script run may perform."),
      before: z
        .array(z.string().min(1))
        .default([])
        .describe(
          "Scripts (files, or directories of *.sieve) run before the user's own at delivery (sieve_before).",
        ),
      after: z
        .array(z.string().min(1))
        .default([])
        .describe("Scripts (files, or directories of *.sieve) run after the user's own (sieve_after)."),
    })
    .prefault({}),
  imap: protocol("IMAP", {
    listen: ["127.0.0.1:1143"],
    // RFC 3501 §5.4: an idle client may be logged out after no less than 30 minutes.
    idleTimeout: 1800,
    maxConnections: 1000,
    maxConnectionsPerIp: 20,
  })
    .unwrap()
    .extend({
      idle_keepalive: z
        .number()
        .int()
        .min(1)
        .max(3600)
        .default(120)
        .describe(
          "Seconds between `* OK Still here` lines to a client in IDLE, below common NAT timeouts (Dovecot's imap_idle_notify_interval).",
        ),
      tls_listen: z
        .array(listenAddress)
        .default([])
        .describe(
          "Where IMAP listens with implicit TLS (IMAPS, usually port 993); needs [tls] cert and key.",
        ),
      max_connections_per_user: z
        .number()
        .int()
        .positive()
        .default(10)
        .describe(
          "Most IMAP sessions one user may have open from one address (Dovecot's mail_max_userip_connections).",
        ),
    })
    .prefault({}),
  pop3: protocol("POP3", {
    listen: ["127.0.0.1:1110"],
    // Dovecot's pop3 idles out after 10 minutes.
    idleTimeout: 600,
    maxConnections: 1000,
    maxConnectionsPerIp: 20,
  })
    .unwrap()
    .extend({
      tls_listen: z
        .array(listenAddress)
        .default([])
        .describe(
          "Where POP3 listens with implicit TLS (POP3S, usually port 995); needs [tls] cert and key.",
        ),
      uidl_format: z
        .string()
        .min(1)
        .default("%08Xu%08Xv")
        .describe(
          "UIDL of a message, as Dovecot's pop3_uidl_format: %v UIDVALIDITY, %u UID, %f file name, %g GUID, with Dovecot's modifiers (%08Xu: 8 hex digits).",
        ),
      lock_session: z
        .boolean()
        .default(true)
        .describe(
          "One POP3 session per mailbox at a time; others get -ERR [IN-USE] (Dovecot's pop3_lock_session, same lock file).",
        ),
    })
    .prefault({}),
  lmtp: protocol("LMTP", { ...OFF, listen: ["127.0.0.1:2424"], idleTimeout: 300, maxConnectionsPerIp: 100 })
    .unwrap()
    .extend({
      tls_listen: z
        .array(listenAddress)
        .default([])
        .describe("Where LMTP listens with implicit TLS (Dovecot's inet_listener with ssl = yes)."),
      save_to_detail_mailbox: z
        .boolean()
        .default(false)
        .describe("Deliver user+detail@domain into the mailbox named detail (lmtp_save_to_detail_mailbox)."),
      rcpt_check_quota: z
        .boolean()
        .default(true)
        .describe("Refuse an over-quota recipient already at RCPT TO (lmtp_rcpt_check_quota)."),
      max_recipients: z
        .number()
        .int()
        .positive()
        .default(1000)
        .describe("Most recipients in one LMTP transaction; further RCPTs get 452 4.5.3."),
      max_message_size: size("lmtp.max_message_size")
        .prefault(0)
        .describe("Largest message accepted over LMTP (SIZE), in bytes or with K/M/G; 0: no limit."),
      add_received_header: z
        .boolean()
        .default(true)
        .describe("Add a Received header to messages delivered over LMTP (lmtp_add_received_header)."),
      unix_socket_mode: z
        .string()
        .regex(/^0?[0-7]{3}$/, "expected an octal file mode such as 0666")
        .default("0666")
        .describe(
          "Permissions of LMTP's unix sockets (Dovecot's unix_listener lmtp mode, 0666 by default): the MTA's user must be able to connect.",
        ),
      delivery_processes: z
        .number()
        .int()
        .min(0)
        .max(64)
        // 0 chooses by the CPU count (lmtp/service.ts, defaultProcessCount, with the measurements).
        .default(0)
        .describe(
          "Processes that deliver LMTP mail (Sieve, store) beside the one that speaks LMTP, as Dovecot runs several lmtp processes; 0: one per CPU, at most 8, on 3 CPUs or more, and in the LMTP process itself on 1 or 2; 1: deliver in the LMTP process itself. Each takes some 100 MB once its users' stores are open.",
        ),
    })
    .prefault({}),
  delivery: z
    .strictObject({
      hostname: z
        .string()
        .default("")
        .describe("Host name in LMTP greetings, Received headers and sent mail; empty: the system's."),
      postmaster_address: z
        .string()
        .default("")
        .describe("From address of rejection mails (postmaster_address); empty: postmaster@hostname."),
      recipient_delimiter: z
        .string()
        .default("+")
        .describe("Characters separating user and detail in user+detail@domain; each one is a delimiter."),
      quota_full_tempfail: z
        .boolean()
        .default(false)
        .describe("Over quota is a temporary failure (452 4.2.2, exit 75) instead of a permanent one."),
      sendmail_path: z
        .string()
        .min(1)
        .default("/usr/sbin/sendmail")
        .describe(
          "Command that sends redirects, vacation replies, rejections and notifications (sendmail_path); run as CMD -i -f SENDER -- RCPT.",
        ),
      submission_host: z
        .string()
        .default("")
        .describe(
          "SMTP relay (host or host:port) for that mail instead of sendmail_path (submission_host); empty: use sendmail_path.",
        ),
      mailbox_autocreate: z
        .boolean()
        .default(false)
        .describe("Create a missing target mailbox instead of delivering to INBOX (lda_mailbox_autocreate)."),
    })
    .prefault({}),
  managesieve: protocol("ManageSieve", {
    listen: ["127.0.0.1:4190"],
    idleTimeout: 1800,
    maxConnections: 1000,
    maxConnectionsPerIp: 20,
  })
    .unwrap()
    .extend({
      tls_listen: z
        .array(listenAddress)
        .default([])
        .describe("Where ManageSieve listens with implicit TLS (Dovecot's inet_listener with ssl = yes)."),
    })
    .prefault({}),
});

export const configSchema = configShape.superRefine((config, ctx) => {
  // Checked here rather than at start-up so that a reload to such a config keeps the running one.
  const tlsOn = config.tls.cert !== "" && config.tls.mode !== "no";
  for (const name of ["imap", "pop3", "lmtp", "managesieve"] as const)
    if (config[name].tls_listen.length > 0 && !tlsOn)
      ctx.addIssue({
        code: "custom",
        path: [name, "tls_listen"],
        message: 'needs tls.cert and tls.key (and tls.mode other than "no")',
      });
});

export type Config = z.output<typeof configSchema>;
