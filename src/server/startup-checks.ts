import { isKnownScheme } from "../auth/index.js";
import { ConfigError, configPath, type LoadedConfig } from "../config/index.js";
import { TlsCertificates, type TlsSettings } from "../net/index.js";
import { UidlFormat } from "../pop3/index.js";
import { parseMailLocation } from "../store/index.js";
import { resolveAccount } from "./privileges.js";

/** [tls] with its paths resolved against the config file's directory. */
export function tlsSettings(loaded: LoadedConfig): TlsSettings {
  const { tls } = loaded.config;
  const path = (p: string) => p && configPath(loaded, p);
  return {
    cert: path(tls.cert),
    key: path(tls.key),
    minVersion: tls.min_protocol,
    mode: tls.mode,
    ca: path(tls.ca),
    ciphers: tls.ciphers,
    cipherSuites: tls.cipher_suites,
    sni: tls.sni.map((s) => ({ name: s.name, cert: path(s.cert), key: path(s.key) })),
  };
}

/**
 * What the schema cannot see but `loft serve` or the first login would refuse: the run-as account,
 * the TLS files, the mail_location format, the password scheme and the POP3 UIDL format. `loft
 * config check` and `loft serve` run it, so that "OK" means the server will start and a refusal
 * names the file and every problem at once; nothing is bound, written or changed.
 */
export function checkStartupConfig(loaded: LoadedConfig): void {
  const { config } = loaded;
  const problems: string[] = [];
  const check = (work: () => void) => {
    try {
      work();
    } catch (err) {
      problems.push((err as Error).message);
    }
  };
  check(() => resolveAccount(config.user, config.group));
  check(() => TlsCertificates.load(tlsSettings(loaded)));
  check(() => parseMailLocation(config.mail_location, { user: "user", home: "/home/user" }));
  check(() => {
    try {
      UidlFormat.parse(config.pop3.uidl_format);
    } catch (err) {
      throw new Error(`pop3.uidl_format: ${(err as Error).message}`);
    }
  });
  if (!isKnownScheme(config.auth.default_pass_scheme))
    problems.push(
      `auth.default_pass_scheme: unknown password scheme ${JSON.stringify(config.auth.default_pass_scheme)} (loft pw -l lists them)`,
    );
  if (problems.length > 0)
    throw new ConfigError(
      `invalid config ${loaded.file ?? "(embedded default)"}:\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
}
