import type { PasswdEntry } from "./passwd-file-format.js";

/** What the rest of Loft knows about a user: where their mail is and whom it belongs to. */
export interface UserInfo {
  user: string;
  home: string;
  uid?: number;
  gid?: number;
  /** The user's mail_location (Dovecot syntax), with %-variables expanded; `~` is left for the store. */
  mailLocation: string;
  /** userdb extra fields (quota_rule, …), `userdb_` prefix removed. */
  fields: Record<string, string>;
}

/**
 * Expands Dovecot's %u (user), %n (local part), %d (domain), %h (home) and %%, with the L
 * modifier for lower case (%Lu); an unknown variable is left as written, as Dovecot does.
 */
export function expandTemplate(template: string, vars: { user: string; home?: string }): string {
  const at = vars.user.indexOf("@");
  const values: Record<string, string> = {
    u: vars.user,
    n: at < 0 ? vars.user : vars.user.slice(0, at),
    d: at < 0 ? "" : vars.user.slice(at + 1),
    h: vars.home ?? "",
    "%": "%",
  };
  return template.replace(/%(L?)([undh%])/g, (whole, lower: string, v: string) => {
    const value = values[v];
    if (value === undefined) return whole;
    return lower ? value.toLowerCase() : value;
  });
}

export function userInfo(entry: PasswdEntry, defaults: { mailLocation: string }): UserInfo {
  const home = expandTemplate(entry.userdbFields.home ?? entry.home, { user: entry.user });
  const { mail, home: _home, ...fields } = entry.userdbFields;
  const uid = entry.userdbFields.uid !== undefined ? Number(entry.userdbFields.uid) : entry.uid;
  const gid = entry.userdbFields.gid !== undefined ? Number(entry.userdbFields.gid) : entry.gid;
  return {
    user: entry.user,
    home,
    uid: Number.isInteger(uid) ? uid : undefined,
    gid: Number.isInteger(gid) ? gid : undefined,
    mailLocation: expandTemplate(mail ?? defaults.mailLocation, { user: entry.user, home }),
    fields,
  };
}

/**
 * A user name that is safe to put in a path and allowed by `auth.username_chars`
 * (empty: anything but '/', NUL and control characters). `.` and `..` are never allowed.
 */
export function checkUserName(name: string, allowedChars: string): string | null {
  if (name === "" || name.length > 255) return "user names have 1 to 255 characters";
  if (name === "." || name === ".." || /[/\0-\x1f\x7f]/.test(name))
    return `invalid user name ${JSON.stringify(name)}`;
  if (allowedChars !== "") {
    const bad = [...name].find((c) => !allowedChars.includes(c));
    if (bad !== undefined)
      return `user name contains a character not in auth.username_chars: ${JSON.stringify(bad)}`;
  }
  return null;
}
