// Dovecot's passwd-file: user:password:uid:gid:gecos:home:shell:extra_fields
// Fields after the password may be left out; extra fields are space-separated key=value
// pairs, where a `userdb_` prefix marks a userdb field and the rest are passdb fields.

export interface PasswdEntry {
  user: string;
  /** The stored hash, e.g. "{ARGON2ID}$argon2id$…"; empty when the line has none. */
  password: string;
  uid?: number;
  gid?: number;
  gecos: string;
  home: string;
  shell: string;
  /** passdb extra fields (nopassword, allow_nets, nologin, reason, nodelay, proxy, host, …). */
  passdbFields: Record<string, string>;
  /** userdb extra fields with the `userdb_` prefix removed (mail, quota_rule, …). */
  userdbFields: Record<string, string>;
}

export type ParsedLine =
  | { kind: "entry"; entry: PasswdEntry }
  | { kind: "skip" }
  | { kind: "error"; reason: string };

const ID = /^\d{1,10}$/;

export function parsePasswdLine(line: string): ParsedLine {
  if (line.trim() === "" || line.startsWith("#")) return { kind: "skip" };
  if (line.includes("\0")) return { kind: "error", reason: "contains a NUL byte" };
  const fields = line.split(":");
  const [user = "", password = "", uid = "", gid = "", gecos = "", home = "", shell = ""] = fields;
  const extra = fields.slice(7).join(":");
  if (user === "") return { kind: "error", reason: "empty user name" };
  if (/[\s/\\]|^\.\.?$/.test(user))
    return { kind: "error", reason: `invalid user name ${JSON.stringify(user)}` };
  if (uid !== "" && !ID.test(uid))
    return { kind: "error", reason: `uid is not a number: ${JSON.stringify(uid)}` };
  if (gid !== "" && !ID.test(gid))
    return { kind: "error", reason: `gid is not a number: ${JSON.stringify(gid)}` };
  if (home !== "" && !home.startsWith("/") && !home.includes("%"))
    return { kind: "error", reason: `home must be an absolute path: ${JSON.stringify(home)}` };
  const passdbFields: Record<string, string> = {};
  const userdbFields: Record<string, string> = {};
  for (const word of extra.split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf("=");
    const key = eq < 0 ? word : word.slice(0, eq);
    const value = eq < 0 ? "" : word.slice(eq + 1);
    if (key === "") return { kind: "error", reason: `extra field without a name: ${JSON.stringify(word)}` };
    if (key.startsWith("userdb_")) userdbFields[key.slice(7)] = value;
    else passdbFields[key] = value;
  }
  return {
    kind: "entry",
    entry: {
      user,
      password,
      uid: uid === "" ? undefined : Number(uid),
      gid: gid === "" ? undefined : Number(gid),
      gecos,
      home,
      shell,
      passdbFields,
      userdbFields,
    },
  };
}

export function formatPasswdLine(e: PasswdEntry): string {
  const extra = [
    ...Object.entries(e.passdbFields).map(([k, v]) => (v === "" ? k : `${k}=${v}`)),
    ...Object.entries(e.userdbFields).map(([k, v]) => `userdb_${k}=${v}`),
  ].join(" ");
  const fields = [e.user, e.password, e.uid ?? "", e.gid ?? "", e.gecos, e.home, e.shell, extra].map(String);
  if (fields.some((f, i) => (i === 7 ? /[\n\0]/ : /[:\n\0]/).test(f)))
    throw new Error("passwd-file fields cannot contain ':', a newline or NUL");
  while (fields.length > 2 && fields[fields.length - 1] === "") fields.pop();
  return fields.join(":");
}
