import { mkdirSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { Authenticator, PasswdFile } from "../auth/index.js";
import {
  type Config,
  ConfigError,
  configPath,
  type LoadedConfig,
  loadConfig,
  parseListenAddress,
} from "../config/index.js";
import { EX_OSERR, ExitError } from "../exit-codes/index.js";
import { createLogger, type Logger, type LogOptions } from "../log/index.js";
import { TlsCertificates, TlsFileWatcher } from "../net/index.js";
import { createFirstUser } from "./first-user.js";
import {
  type Account,
  checkRootListen,
  chownTree,
  dropPrivileges,
  resolveAccount,
  runningAsRoot,
} from "./privileges.js";
import { PROTOCOLS, type ProtocolName, type RunningService, SERVICES } from "./services.js";
import { checkStartupConfig, tlsSettings } from "./startup-checks.js";

/** The process behind `loft serve`: listeners, signals, reload, graceful shutdown. */
export class Server {
  private running = new Map<ProtocolName, RunningService>();
  private passwd!: PasswdFile;
  private auth!: Authenticator;
  /**
   * What services hold as their authenticator: it forwards to the current one, so a reloaded
   * passwd-file or [auth] section reaches listeners that keep running (and sessions already open).
   */
  private readonly liveAuth = new Proxy({} as Authenticator, {
    get: (_target, key) => {
      const value: unknown = Reflect.get(this.auth, key);
      return typeof value === "function" ? value.bind(this.auth) : value;
    },
  });
  private log!: Logger;
  private logOptions!: LogOptions;
  private tls!: TlsCertificates;
  private tlsWatcher!: TlsFileWatcher;
  /** The account to run as; null keeps the starting user. */
  private account: Account | null = null;
  private keepAlive: NodeJS.Timeout | undefined;
  private stopping = false;

  private constructor(
    private loaded: LoadedConfig,
    private readonly configFile: string | undefined,
  ) {}

  /** Loads the config, starts every enabled listener, and handles SIGTERM/SIGINT/SIGHUP. */
  static async start(configFile: string | undefined): Promise<Server> {
    const loaded = loadConfig(configFile);
    checkStartupConfig(loaded);
    const server = new Server(loaded, configFile);
    await server.boot();
    return server;
  }

  private get config(): Config {
    return this.loaded.config;
  }

  private async boot(): Promise<void> {
    const stateDir = configPath(this.loaded, this.config.state_dir);
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.logOptions = {
      ...this.config.log,
      path: this.config.log.path && configPath(this.loaded, this.config.log.path),
    };
    this.log = createLogger(this.logOptions);
    const passwdPath = configPath(this.loaded, this.config.auth.passwd_file);
    if (this.loaded.file === null) {
      const password = await createFirstUser(passwdPath, stateDir, this.config.auth.default_pass_scheme);
      // Printed once, never logged: only its hash is stored.
      if (password)
        process.stdout.write(
          `First start: created user "demo" with password "${password}" (in ${passwdPath})\n`,
        );
    }
    this.account = resolveAccount(this.config.user, this.config.group);
    if (runningAsRoot() && this.account === null)
      this.log.warn('running as root: set the config key "user" to an unprivileged account');
    try {
      this.tls = TlsCertificates.load(tlsSettings(this.loaded));
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
    try {
      await this.openUserdb(passwdPath);
    } catch (err) {
      await this.passwd?.close();
      await this.auth?.close();
      throw new ConfigError((err as Error).message);
    }
    try {
      for (const protocol of PROTOCOLS) await this.startProtocol(protocol);
    } catch (err) {
      // A listener that cannot start ends the start-up: nothing may be left holding the process.
      await Promise.all([...this.running.values()].map((s) => s.stopAccepting()));
      await this.passwd.close();
      await this.auth.close();
      if (err instanceof ConfigError) throw err;
      throw new ExitError((err as Error).message, EX_OSERR);
    }
    if (this.account !== null && runningAsRoot()) {
      chownTree(stateDir, this.account);
      dropPrivileges(this.account);
      this.log.info(
        { user: this.account.name, uid: this.account.uid, gid: this.account.gid },
        "dropped privileges",
      );
    }
    this.tlsWatcher = new TlsFileWatcher(this.tls, this.log);
    await this.tlsWatcher.watch();
    this.keepAlive = setInterval(() => {}, 2 ** 30);
    process.on("SIGTERM", () => void this.shutdown("SIGTERM"));
    process.on("SIGINT", () => void this.shutdown("SIGINT"));
    process.on("SIGHUP", () => void this.reload());
    this.log.info(
      { config: this.loaded.file ?? "(embedded default)", listeners: [...this.running.keys()] },
      this.running.size > 0 ? "loft started" : "loft started with no listener enabled",
    );
  }

  private async openUserdb(path: string): Promise<void> {
    this.passwd = PasswdFile.load(path, this.log);
    this.passwd.watch();
    // The penalty table outlives a reload: a changed auth section must not forgive a guesser.
    this.auth = Authenticator.fromConfig(
      this.passwd,
      this.config,
      (p) => configPath(this.loaded, p),
      this.auth?.guard,
    );
    this.auth.watch();
    await this.auth.ready();
  }

  private async startProtocol(protocol: ProtocolName): Promise<void> {
    const addresses = this.config[protocol].listen.map((a) => parseListenAddress(a)!);
    const service = SERVICES[protocol];
    const tlsAddresses = this.config[protocol].tls_listen.map((a) => parseListenAddress(a)!);
    // An implicit-TLS listener alone (IMAPS only, say) is a service too.
    if (addresses.length + tlsAddresses.length === 0) return;
    checkRootListen(protocol, [...addresses, ...tlsAddresses], this.account);
    const ctx = {
      config: this.config,
      log: this.log,
      auth: this.liveAuth,
      stateDir: configPath(this.loaded, this.config.state_dir),
      tls: this.tls,
      logOptions: this.logOptions,
      account: this.account,
    };
    this.running.set(protocol, await service(addresses, ctx));
    const { listen, tls_listen } = this.config[protocol];
    this.log.info({ protocol, listen, tls_listen }, "listening");
  }

  /** SIGHUP: a bad new config is logged and the old one kept. */
  async reload(): Promise<void> {
    let next: LoadedConfig;
    try {
      next = loadConfig(this.configFile);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, "reload failed: keeping the running config");
      return;
    }
    const previous = this.config;
    this.loaded = next;
    this.log.level = this.config.log.level;
    if (
      !isDeepStrictEqual(previous.auth, this.config.auth) ||
      previous.mail_location !== this.config.mail_location
    ) {
      await this.passwd.close();
      await this.auth.close();
      try {
        await this.openUserdb(configPath(this.loaded, this.config.auth.passwd_file));
      } catch (err) {
        this.log.error({ err: (err as Error).message }, "auth settings unusable after reload");
      }
    }
    // SIGHUP always re-reads the certificate files: renewals replace them under the same names.
    const tlsWasOn = this.tls.enabled;
    try {
      this.tls.reload(tlsSettings(this.loaded));
      await this.tlsWatcher.watch();
    } catch (err) {
      this.log.error({ err: (err as Error).message }, "TLS reload failed: keeping the certificates in use");
    }
    // STARTTLS and smtp-server's TLS options are set up when a listener starts. Listeners are not
    // restarted for shared sections: one bound to a port below 1024 could not bind it again once
    // root is given up. Auth changes reach them through liveAuth.
    const tlsToggled = tlsWasOn !== this.tls.enabled;
    const changed = !isDeepStrictEqual(previous, this.config);
    for (const protocol of PROTOCOLS) {
      if (!tlsToggled && isDeepStrictEqual(previous[protocol], this.config[protocol])) {
        if (changed) this.running.get(protocol)?.reconfigure?.(this.config);
        continue;
      }
      const old = this.running.get(protocol);
      if (old) {
        await old.stopAccepting();
        this.running.delete(protocol);
      }
      try {
        await this.startProtocol(protocol);
      } catch (err) {
        this.log.error({ protocol, err: (err as Error).message }, "cannot start listener after reload");
      }
    }
    this.log.info({ config: this.loaded.file ?? "(embedded default)" }, "config reloaded");
  }

  /** Stops accepting, lets sessions end within shutdown_timeout, then closes the rest and exits. */
  async shutdown(signal: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info({ signal }, "shutting down");
    const services = [...this.running.values()];
    await Promise.all(services.map((s) => s.stopAccepting()));
    const deadline = Date.now() + this.config.shutdown_timeout * 1000;
    while (services.some((s) => s.sessionCount() > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const s of services) s.closeSessions();
    await this.passwd.close();
    await this.tlsWatcher?.close();
    await this.auth.close();
    clearInterval(this.keepAlive);
    this.log.info("stopped");
    this.log.flush(() => process.exit(0));
  }
}
