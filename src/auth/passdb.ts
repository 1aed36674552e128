import type { PasswdFile } from "./passwd-file.js";
import { canSupplyCredentials } from "./password-schemes/index.js";
import type { UserInfo } from "./userdb.js";

/** What a passdb knows about one user. */
export interface PassdbRecord {
  user: string;
  /** The stored "{SCHEME}value"; empty when there is none. */
  password: string;
  /** Extra fields: nopassword, allow_nets, nologin, reason, nodelay, proxy, host, … */
  fields: Record<string, string>;
  /** The userdb record, when the passdb is also the user's userdb (a script). */
  userdb?: UserInfo;
}

export interface Passdb {
  readonly name: string;
  lookup(user: string): Promise<PassdbRecord | null>;
  /** A passdb that checks passwords itself (a script's verify) instead of handing out hashes. */
  verify?(record: PassdbRecord, password: string): Promise<boolean>;
  /** Some user's secret can be had in `scheme` (CRAM-MD5, SCRAM-*, DIGEST-MD5). */
  supplies(scheme: string): boolean;
  /** Calls `listener` whenever its users may have changed. */
  onChange(listener: () => void): void;
}

/** A Dovecot passwd-file as passdb: stored hashes without a {SCHEME} are CRYPT. */
export class PasswdFilePassdb implements Passdb {
  private supplied = new Map<string, boolean>();

  constructor(
    readonly name: string,
    private readonly file: PasswdFile,
  ) {
    file.onReload(() => {
      this.supplied = new Map();
    });
  }

  async lookup(user: string): Promise<PassdbRecord | null> {
    const entry = this.file.lookup(user);
    return entry ? { user: entry.user, password: entry.password, fields: entry.passdbFields } : null;
  }

  supplies(scheme: string): boolean {
    let known = this.supplied.get(scheme);
    if (known === undefined) {
      known = this.file.users().some((e) => canSupplyCredentials(e.password, scheme, "CRYPT"));
      this.supplied.set(scheme, known);
    }
    return known;
  }

  onChange(listener: () => void): void {
    this.file.onReload(listener);
  }
}
