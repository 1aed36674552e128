import { BlockList, isIP } from "node:net";
import type { Config } from "../config/index.js";
import { AuthCache } from "./auth-cache.js";
import { LoginGuard, type LoginGuardSettings } from "./login-guard.js";
import { OAuth2Verifier } from "./oauth2/index.js";
import { type Passdb, type PassdbRecord, PasswdFilePassdb } from "./passdb.js";
import { PasswdFile } from "./passwd-file.js";
import { getCredentials, hashPassword, verifyPassword } from "./password-schemes/index.js";
import { ScriptPassdb } from "./script-passdb.js";
import { UserLookup, type UserLookupSettings } from "./user-lookup.js";
import { checkUserName, type UserInfo } from "./userdb.js";

export interface AuthSettings extends UserLookupSettings {
  /** The scheme of the hash verified for unknown users, to spend the time a real check takes. */
  defaultScheme: string;
  /** Delay before a failed login is answered (auth_failure_delay). */
  failureDelayMs?: number;
  guard?: LoginGuardSettings;
  /** Master users log in as "user<separator>master" (auth_master_user_separator). */
  masterUserSeparator?: string;
  cacheTtlMs?: number;
  cacheNegativeTtlMs?: number;
  /** The SASL mechanisms offered where they can work (auth_mechanisms). */
  mechanisms?: string[];
  /** The user ANONYMOUS logs in as (auth_anonymous_username). */
  anonymousUsername?: string;
  /** The client certificate's subject field that names the user (ssl_cert_username_field). */
  certUsernameField?: string;
}

/** passdb extra fields a successful login carries on (routing uses proxy and host). */
export interface PassdbExtras {
  nodelay: boolean;
  proxy: boolean;
  host?: string;
}

export type AuthResult =
  | { ok: true; user: UserInfo; passdb: PassdbExtras; master?: string }
  /** `reason` is for the log only: clients get the same answer whatever went wrong. */
  | { ok: false; reason: string; userMessage?: string; nodelay?: boolean };

/** A secret a SASL mechanism checks itself (CRAM-MD5, DIGEST-MD5, SCRAM), and what follows a match. */
export interface CredentialLookup {
  /** The decoded secret in the scheme asked for; null when there is none (then the check must fail). */
  secret: Buffer | null;
  /** Ends the login after the mechanism found the client's proof right. */
  accept(remoteIp: string | undefined): Promise<AuthResult>;
  /** Why the secret is missing, for the log. */
  missing?: string;
  nodelay: boolean;
}

interface Identity {
  /** The userdb name the session logs in as. */
  user: string;
  /** The master user whose secret is checked instead, when there is one. */
  master?: string;
}

interface Found {
  passdb: Passdb;
  record: PassdbRecord;
}

/** Reads extra passdb files named in the config; paths relative to the config file's directory. */
export type PathResolver = (path: string) => string;

/**
 * Verifies user names and secrets against the passdbs (an optional script, then the passwd-file;
 * master users against their own passwd-file), the same way and in the same time whatever the
 * failure, and holds the per-address guessing penalty.
 */
export class Authenticator {
  private dummyHash: Promise<string> | undefined;
  readonly guard: LoginGuard;
  private readonly cache: AuthCache;
  private readonly passdbs: Passdb[];
  private readonly ownedFiles: PasswdFile[] = [];
  private scriptReady: Promise<void> = Promise.resolve();
  /** The passwd-file as a userdb; the script passdb's userdb answers come through find(), cached. */
  private readonly users: UserLookup;

  constructor(
    db: PasswdFile,
    readonly settings: AuthSettings,
    extra: { script?: ScriptPassdb; master?: PasswdFile; guard?: LoginGuard } = {},
    readonly oauth2: OAuth2Verifier | null = null,
  ) {
    const guardSettings = settings.guard ?? {
      penaltyInitMs: 2000,
      penaltyMaxMs: 15_000,
      maxUnauthenticatedPerIp: 10,
    };
    this.guard = extra.guard ?? new LoginGuard(guardSettings);
    this.guard.configure(guardSettings);
    this.cache = new AuthCache(settings.cacheTtlMs ?? 0, settings.cacheNegativeTtlMs ?? 0);
    this.passdbs = [new PasswdFilePassdb("passwd-file", db)];
    this.users = new UserLookup(db, settings);
    if (extra.script) {
      this.passdbs.unshift(extra.script);
      this.scriptReady = extra.script.load();
      // Awaited by ready() and by every lookup; this keeps an early failure from going unhandled.
      this.scriptReady.catch(() => {});
    }
    this.masterPassdb = extra.master ? new PasswdFilePassdb("master", extra.master) : null;
    for (const passdb of [...this.passdbs, this.masterPassdb]) passdb?.onChange(() => this.cache.clear());
  }

  private readonly masterPassdb: PasswdFilePassdb | null;

  /** The authenticator the config describes, over an already loaded passwd-file. */
  static fromConfig(
    db: PasswdFile,
    config: Config,
    resolve: PathResolver = (p) => p,
    guard?: LoginGuard,
  ): Authenticator {
    const a = config.auth;
    const master = a.master_passwd_file ? PasswdFile.load(resolve(a.master_passwd_file), db.log) : undefined;
    const script = a.script ? new ScriptPassdb(resolve(a.script), config.mail_location) : undefined;
    const auth = new Authenticator(
      db,
      {
        usernameChars: a.username_chars,
        usernameFormat: a.username_format,
        mailLocation: config.mail_location,
        defaultScheme: a.default_pass_scheme,
        failureDelayMs: a.failure_delay * 1000,
        guard: {
          penaltyInitMs: a.penalty_init * 1000,
          penaltyMaxMs: a.penalty_max * 1000,
          maxUnauthenticatedPerIp: a.max_unauthenticated_per_ip,
        },
        masterUserSeparator: a.master_user_separator,
        cacheTtlMs: a.cache_ttl * 1000,
        cacheNegativeTtlMs: a.cache_negative_ttl * 1000,
        mechanisms: a.mechanisms,
        anonymousUsername: a.anonymous_username,
        certUsernameField: a.cert_username_field,
      },
      { script, master, guard },
      OAuth2Verifier.fromSettings({
        introspectionUrl: a.oauth2.introspection_url,
        jwtKeys: a.oauth2.jwt_keys.map(resolve),
        usernameClaim: a.oauth2.username_claim,
        issuers: a.oauth2.issuers,
        audience: a.oauth2.audience,
      }),
    );
    if (master) auth.ownedFiles.push(master);
    return auth;
  }

  /** Loads the script passdb and the token keys; fails naming what is wrong, so `loft serve` stops at start. */
  async ready(): Promise<void> {
    this.oauth2?.load();
    await this.scriptReady;
  }

  /** Watches the master passwd-file as the main one is watched. */
  watch(): void {
    for (const file of this.ownedFiles) file.watch();
  }

  async close(): Promise<void> {
    await Promise.all(this.ownedFiles.map((f) => f.close()));
  }

  /** The userdb key for a name as a client or an MTA gave it. */
  private key(name: string): string {
    return this.users.key(name);
  }

  /**
   * The user's userdb record, without checking a password (delivery, admin commands): the one the
   * script passdb gives when it answers for the user, else the passwd-file's, as a login would get.
   * A script that throws makes this throw (a temporary failure for delivery).
   */
  async lookup(name: string): Promise<UserInfo | undefined> {
    const key = this.key(name);
    if (checkUserName(key, this.settings.usernameChars) !== null) return undefined;
    const found = this.passdbs.length > 1 ? await this.find(key, false) : null;
    return found?.record.userdb ?? this.lookupKey(key);
  }

  private lookupKey(user: string): UserInfo | undefined {
    return this.users.fromFile(user);
  }

  /** Some passdb can hand out secrets in `scheme` (CRAM-MD5 and SCRAM are offered only then). */
  supplies(scheme: string): boolean {
    return [...this.passdbs, this.masterPassdb].some((p) => p?.supplies(scheme));
  }

  /**
   * Checks a password with no delay (the admin's `loft auth test`); `login` is what clients get.
   * `authzid` is a master user login's target.
   */
  async authenticate(name: string, password: string, remoteIp?: string, authzid = ""): Promise<AuthResult> {
    const identity = this.identity(name, authzid);
    if ("error" in identity) {
      await this.spendVerifyTime(password);
      return { ok: false, reason: identity.error };
    }
    const secretOwner = identity.master ?? identity.user;
    const found = await this.find(secretOwner, identity.master !== undefined);
    if (!found) {
      await this.spendVerifyTime(password);
      return { ok: false, reason: identity.master ? "unknown master user" : "unknown user" };
    }
    const nodelay = found.record.fields.nodelay !== undefined;
    const check = await this.checkSecret(found, password, identity.master !== undefined);
    if (check !== "match") return { ok: false, reason: check, nodelay };
    return this.complete(identity, found, remoteIp);
  }

  /**
   * A client's login with a password: the address's penalty first, then the check, then the
   * failure delay on a failure; the same answer and time for an unknown user and a wrong password.
   */
  async login(
    name: string,
    password: string,
    remoteIp: string | undefined,
    authzid = "",
  ): Promise<AuthResult> {
    await this.guard.waitPenalty(remoteIp);
    return this.settle(await this.authenticate(name, password, remoteIp, authzid), remoteIp);
  }

  /** Applies the failure delay and the penalty to an outcome (SASL exchanges end here too). */
  async settle(result: AuthResult, remoteIp: string | undefined): Promise<AuthResult> {
    if (result.ok) {
      this.guard.succeeded(remoteIp);
      return result;
    }
    // nodelay (a passdb field, e.g. with nologin) answers at once and costs the address nothing.
    if (result.nodelay) return result;
    this.guard.failed(remoteIp);
    const delay = this.settings.failureDelayMs ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    return result;
  }

  /** The secret a SASL mechanism needs, in `scheme`, for the user (or master user) logging in. */
  async credentials(authcid: string, authzid: string, scheme: string): Promise<CredentialLookup> {
    const refuse = (reason: string): CredentialLookup => ({
      secret: null,
      missing: reason,
      nodelay: false,
      accept: async () => ({ ok: false, reason }),
    });
    const identity = this.identity(authcid, authzid);
    if ("error" in identity) return refuse(identity.error);
    const owner = identity.master ?? identity.user;
    const found = await this.find(owner, identity.master !== undefined);
    if (!found) return refuse(identity.master ? "unknown master user" : "unknown user");
    const stored = found.record.password;
    const secret =
      stored === ""
        ? null
        : await getCredentials(stored, scheme, { user: found.record.user, defaultScheme: "CRYPT" });
    return {
      secret,
      missing: secret === null ? `no ${scheme} credentials for this user` : undefined,
      nodelay: found.record.fields.nodelay !== undefined,
      accept: (remoteIp) => this.complete(identity, found, remoteIp),
    };
  }

  /** A login whose identity something else vouched for: a TLS client certificate, a token, ANONYMOUS. */
  async loginAs(name: string, remoteIp: string | undefined): Promise<AuthResult> {
    const identity = this.identity(name, "");
    if ("error" in identity) return { ok: false, reason: identity.error };
    const found = await this.find(identity.user, false);
    if (found) return this.complete(identity, found, remoteIp);
    const user = this.lookupKey(identity.user);
    return user
      ? { ok: true, user, passdb: { nodelay: false, proxy: false } }
      : { ok: false, reason: "unknown user" };
  }

  /**
   * Who logs in as whom: "user*master" (with a master passdb) or a SASL authzid other than the
   * authcid makes the authcid a master user logging in as that user.
   */
  private identity(authcid: string, authzid: string): Identity | { error: string } {
    const sep = this.settings.masterUserSeparator ?? "";
    let user = authcid;
    let master: string | undefined;
    if (authzid !== "" && authzid !== authcid) {
      if (!this.masterPassdb)
        return { error: "authorization identity differs and there are no master users" };
      user = authzid;
      master = authcid;
    } else if (this.masterPassdb && sep !== "" && authcid.includes(sep)) {
      const at = authcid.indexOf(sep);
      user = authcid.slice(0, at);
      master = authcid.slice(at + sep.length);
    }
    const key = this.key(user);
    const problem = checkUserName(key, this.settings.usernameChars);
    if (problem !== null) return { error: problem };
    if (master === undefined) return { user: key };
    const masterKey = this.key(master);
    const masterProblem = checkUserName(masterKey, this.settings.usernameChars);
    return masterProblem === null ? { user: key, master: masterKey } : { error: masterProblem };
  }

  private async find(user: string, master: boolean): Promise<Found | null> {
    const passdbs = master ? (this.masterPassdb ? [this.masterPassdb] : []) : this.passdbs;
    await this.scriptReady;
    for (const passdb of passdbs) {
      const cacheKey = `${passdb.name}\0${user}`;
      const cached = this.cache.get(cacheKey);
      let record: PassdbRecord | null;
      if (cached !== undefined) record = cached.record;
      else {
        record = await passdb.lookup(user);
        this.cache.put(cacheKey, record);
      }
      if (record) return { passdb, record };
    }
    return null;
  }

  private async checkSecret(found: Found, password: string, master: boolean): Promise<string> {
    const { passdb, record } = found;
    if (passdb.verify) {
      const cacheKey = `${passdb.name}\0${record.user}`;
      if (this.cache.passwordMatches(cacheKey, password)) return "match";
      if (!(await passdb.verify(record, password))) return "password mismatch";
      this.cache.rememberPassword(cacheKey, password);
      return "match";
    }
    if (record.password === "") {
      if (record.fields.nopassword !== undefined && !master) return "match";
      await this.spendVerifyTime(password);
      return "no password set";
    }
    try {
      const ok = await verifyPassword(record.password, password, {
        user: record.user,
        defaultScheme: "CRYPT",
      });
      return ok ? "match" : "password mismatch";
    } catch (err) {
      return `stored password unusable: ${(err as Error).message}`;
    }
  }

  /** Spends the time a real verification would, so that timing tells nothing about which users exist. */
  private async spendVerifyTime(password: string): Promise<void> {
    this.dummyHash ??= hashPassword(this.settings.defaultScheme, "loft-dummy-password");
    await verifyPassword(await this.dummyHash, password);
  }

  /** After the secret matched: the passdb's restrictions, then the user's userdb record. */
  private async complete(
    identity: Identity,
    found: Found,
    remoteIp: string | undefined,
  ): Promise<AuthResult> {
    const fields = found.record.fields;
    const nodelay = fields.nodelay !== undefined;
    if (fields.allow_nets !== undefined && !inNets(remoteIp, fields.allow_nets))
      return { ok: false, reason: `remote address ${remoteIp ?? "(none)"} not in allow_nets`, nodelay };
    let target = found;
    if (identity.master !== undefined) {
      // The master's passdb vouched for the secret; the user need only exist (Dovecot's pass=no).
      const user = await this.find(identity.user, false);
      if (!user && !this.lookupKey(identity.user))
        return { ok: false, reason: "master user login: unknown user", nodelay };
      if (user) target = user;
    }
    const targetFields = target.record.fields;
    if (targetFields.nologin !== undefined && targetFields.proxy === undefined)
      return {
        ok: false,
        reason: "nologin",
        userMessage: targetFields.reason || undefined,
        nodelay: targetFields.nodelay !== undefined || nodelay,
      };
    const info = target.record.userdb ?? this.lookupKey(identity.user);
    if (!info) return { ok: false, reason: "userdb lookup failed" };
    return {
      ok: true,
      user: info,
      master: identity.master,
      passdb: {
        nodelay: targetFields.nodelay !== undefined,
        proxy: targetFields.proxy !== undefined,
        host: targetFields.host || undefined,
      },
    };
  }
}

function inNets(ip: string | undefined, nets: string): boolean {
  if (ip === undefined) return false;
  const family = isIP(ip) === 6 ? "ipv6" : "ipv4";
  const list = new BlockList();
  for (const net of nets
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean)) {
    const [addr = "", bits] = net.split("/");
    const netFamily = isIP(addr) === 6 ? "ipv6" : "ipv4";
    if (isIP(addr) === 0) continue;
    if (bits === undefined) list.addAddress(addr, netFamily);
    else list.addSubnet(addr, Number(bits), netFamily);
  }
  return list.check(ip, family);
}
