import { BlockList, isIP } from "node:net";
import type { Config } from "../config/index.js";
import type { PasswdFile } from "./passwd-file.js";
import { hashPassword, verifyPassword } from "./password-schemes/index.js";
import { checkUserName, expandTemplate, type UserInfo, userInfo } from "./userdb.js";

export interface AuthSettings {
  usernameChars: string;
  /** Dovecot's auth_username_format: how a login or recipient name becomes the userdb key (%Lu, %n, …); default %u. */
  usernameFormat?: string;
  mailLocation: string;
  /** The scheme of the hash verified for unknown users, to spend the time a real check takes. */
  defaultScheme: string;
}

export type AuthResult =
  | { ok: true; user: UserInfo }
  /** `reason` is for the log only: clients get the same answer whatever went wrong. */
  | { ok: false; reason: string; userMessage?: string };

/** Verifies user names and passwords against the passwd-file, the same way and in the same time whatever the failure. */
export class Authenticator {
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly db: PasswdFile,
    private readonly settings: AuthSettings,
  ) {}

  /** The authenticator the config describes, over an already loaded passwd-file. */
  static fromConfig(db: PasswdFile, config: Config): Authenticator {
    return new Authenticator(db, {
      usernameChars: config.auth.username_chars,
      usernameFormat: config.auth.username_format,
      mailLocation: config.mail_location,
      defaultScheme: config.auth.default_pass_scheme,
    });
  }

  /** The user's userdb record, without checking a password (delivery, admin commands). */
  /** The userdb key for a name as a client or an MTA gave it. */
  private key(name: string): string {
    return expandTemplate(this.settings.usernameFormat ?? "%u", { user: name });
  }

  lookup(name: string): UserInfo | undefined {
    return this.lookupKey(this.key(name));
  }

  private lookupKey(user: string): UserInfo | undefined {
    if (checkUserName(user, this.settings.usernameChars) !== null) return undefined;
    const entry = this.db.lookup(user);
    return entry && userInfo(entry, { mailLocation: this.settings.mailLocation });
  }

  async authenticate(name: string, password: string, remoteIp?: string): Promise<AuthResult> {
    const user = this.key(name);
    const nameProblem = checkUserName(user, this.settings.usernameChars);
    const entry = nameProblem === null ? this.db.lookup(user) : undefined;
    if (!entry || entry.password === "") {
      if (entry?.passdbFields.nopassword !== undefined)
        return this.allowed(entry.user, entry.passdbFields, remoteIp);
      // Spend the time a real verification would, so that timing tells nothing about which users exist.
      this.dummyHash ??= hashPassword(this.settings.defaultScheme, "loft-dummy-password");
      await verifyPassword(await this.dummyHash, password);
      return { ok: false, reason: nameProblem ?? (entry ? "no password set" : "unknown user") };
    }
    let matched = false;
    try {
      matched = await verifyPassword(entry.password, password, { user: entry.user, defaultScheme: "CRYPT" });
    } catch (err) {
      return { ok: false, reason: `stored password unusable: ${(err as Error).message}` };
    }
    if (!matched) return { ok: false, reason: "password mismatch" };
    return this.allowed(entry.user, entry.passdbFields, remoteIp);
  }

  private allowed(user: string, fields: Record<string, string>, remoteIp: string | undefined): AuthResult {
    if (fields.allow_nets !== undefined && !inNets(remoteIp, fields.allow_nets))
      return { ok: false, reason: `remote address ${remoteIp ?? "(none)"} not in allow_nets` };
    if (fields.nologin !== undefined && fields.proxy === undefined)
      return { ok: false, reason: "nologin", userMessage: fields.reason || undefined };
    const info = this.lookupKey(user);
    return info ? { ok: true, user: info } : { ok: false, reason: "userdb lookup failed" };
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
