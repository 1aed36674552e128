// The userdb alone: who a name is, with no password checked (delivery). A login adds the password
// schemes, SASL and OAuth2 (Authenticator); loft-lda needs none of them, and a bundle without
// them is a sixth smaller to load at each of its starts.
import type { Config } from "../config/index.js";
import type { PasswdFile } from "./passwd-file.js";
import { ScriptPassdb } from "./script-passdb.js";
import { checkUserName, expandTemplate, type UserInfo, userInfo } from "./userdb.js";

export interface UserLookupSettings {
  usernameChars: string;
  /** Dovecot's auth_username_format: how a login or recipient name becomes the userdb key (%Lu, %n, …); default %u. */
  usernameFormat?: string;
  mailLocation: string;
}

export class UserLookup {
  constructor(
    private readonly db: PasswdFile,
    private readonly settings: UserLookupSettings,
    /** Asked first, as a login asks it; the passwd-file answers for the users it does not. */
    private readonly script: ScriptPassdb | null = null,
  ) {}

  /** `resolve`: a path of the config as seen from the config file's directory. */
  static fromConfig(db: PasswdFile, config: Config, resolve: (path: string) => string): UserLookup {
    const a = config.auth;
    return new UserLookup(
      db,
      {
        usernameChars: a.username_chars,
        usernameFormat: a.username_format,
        mailLocation: config.mail_location,
      },
      a.script ? new ScriptPassdb(resolve(a.script), config.mail_location) : null,
    );
  }

  /** The userdb key for a name as a client or an MTA gave it. */
  key(name: string): string {
    return expandTemplate(this.settings.usernameFormat ?? "%u", { user: name });
  }

  /** The passwd-file's record of a userdb key. */
  fromFile(key: string): UserInfo | undefined {
    if (checkUserName(key, this.settings.usernameChars) !== null) return undefined;
    const entry = this.db.lookup(key);
    return entry && userInfo(entry, { mailLocation: this.settings.mailLocation });
  }

  /** A throw from the script passdb means the userdb failed (a temporary failure for delivery). */
  async lookup(name: string): Promise<UserInfo | undefined> {
    const key = this.key(name);
    if (checkUserName(key, this.settings.usernameChars) !== null) return undefined;
    const scripted = this.script === null ? null : await this.script.lookup(key);
    return scripted?.userdb ?? this.fromFile(key);
  }
}
