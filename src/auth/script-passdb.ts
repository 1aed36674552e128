import { pathToFileURL } from "node:url";
import type { Passdb, PassdbRecord } from "./passdb.js";
import { type UserInfo, userInfo } from "./userdb.js";

// The counterpart of Dovecot's Lua passdb/userdb: a JavaScript module that answers for users.
//
//   export async function lookup(user) {
//     // null: not a user of this script (the passwd-file is asked next)
//     return { password: "{SHA256-CRYPT}…", fields: { nodelay: "" },
//              userdb: { home: "/srv/mail/u", uid: "1000", gid: "1000", mail: "maildir:~/Maildir" } };
//   }
//   export async function verify(user, password) { return true; }   // optional: checks passwords itself
//   export const schemes = ["PLAIN"];   // optional: schemes lookup's passwords are in (CRAM-MD5, SCRAM)

interface ScriptModule {
  lookup(user: string): unknown;
  verify?(user: string, password: string): unknown;
  schemes?: unknown;
}

type Fields = Record<string, string>;

/** import(), or the one bin/loft-lda lends: its code-cached bundle has no loader of its own. */
function importModule(url: string): Promise<Partial<ScriptModule>> {
  const lent = (globalThis as Record<symbol, unknown>)[Symbol.for("loft.import")];
  return typeof lent === "function" ? lent(url) : import(url);
}

export class ScriptPassdb implements Passdb {
  readonly name = "script";
  private module: Promise<ScriptModule> | undefined;
  private schemes: string[] = [];
  verify?: (record: PassdbRecord, password: string) => Promise<boolean>;

  constructor(
    private readonly path: string,
    private readonly mailLocation: string,
  ) {}

  /** Loads the module; called once at start so that a broken script is found before the first login. */
  async load(): Promise<void> {
    const mod = await this.loaded();
    if (Array.isArray(mod.schemes)) this.schemes = mod.schemes.map(String);
    if (typeof mod.verify === "function") {
      const verify = mod.verify.bind(mod);
      this.verify = async (record, password) => (await verify(record.user, password)) === true;
    }
  }

  private loaded(): Promise<ScriptModule> {
    this.module ??= importModule(pathToFileURL(this.path).href).then((mod: Partial<ScriptModule>) => {
      if (typeof mod.lookup !== "function")
        throw new Error(`auth.script ${this.path} does not export a lookup function`);
      return mod as ScriptModule;
    });
    return this.module;
  }

  async lookup(user: string): Promise<PassdbRecord | null> {
    const found = await (await this.loaded()).lookup(user);
    if (found === null || found === undefined) return null;
    if (typeof found !== "object")
      throw new Error(`auth.script lookup(${JSON.stringify(user)}) returned a ${typeof found}`);
    const { password, fields, userdb } = found as { password?: unknown; fields?: unknown; userdb?: unknown };
    return {
      user,
      password: typeof password === "string" ? password : "",
      fields: stringFields(fields),
      userdb: userdb === undefined || userdb === null ? undefined : this.userdb(user, stringFields(userdb)),
    };
  }

  private userdb(user: string, fields: Fields): UserInfo {
    const { home = "", uid, gid, ...rest } = fields;
    const id = (v: string | undefined) => (v !== undefined && /^\d{1,10}$/.test(v) ? Number(v) : undefined);
    return userInfo(
      {
        user,
        password: "",
        uid: id(uid),
        gid: id(gid),
        gecos: "",
        home,
        shell: "",
        passdbFields: {},
        userdbFields: rest,
      },
      { mailLocation: this.mailLocation },
    );
  }

  supplies(scheme: string): boolean {
    return this.schemes.some((s) => s.toUpperCase() === scheme.toUpperCase() || s.toUpperCase() === "PLAIN");
  }

  /** A script changes only when the server restarts; its answers expire through the cache TTL. */
  onChange(): void {}
}

function stringFields(value: unknown): Fields {
  const out: Fields = {};
  if (value === null || typeof value !== "object") return out;
  for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}
