import { isAbsolute, join } from "node:path";
import { StoreError } from "./errors.js";

export type MailFormat = "maildir" | "mbox" | "sdbox" | "mdbox";

/** A parsed Dovecot `mail_location`, with `~` and %-variables already expanded. */
export interface MailLocation {
  format: MailFormat;
  /** The mail root directory (absolute). */
  root: string;
  layout: "maildir++" | "fs";
  /** Directory of INBOX when `INBOX=` moved it away from the root (for mbox: the INBOX file). */
  inbox?: string;
  /** `INDEX=`: where Dovecot keeps dovecot.index*; Loft never writes there, but keeps it for reference. */
  index?: string;
  /** `CONTROL=`: where dovecot-uidlist, dovecot-keywords, subscriptions and dovecot-uidvalidity live. */
  control?: string;
  /** Every other `KEY=value` option as written (e.g. VOLATILEDIR), for formats that use them. */
  options: Record<string, string>;
}

export interface LocationVariables {
  /** Full user name (`%u`); `%n` and `%d` are its parts before and after the `@`. */
  user: string;
  /** Home directory (`%h` and `~`). */
  home: string;
}

const FORMATS: readonly string[] = ["maildir", "mbox", "sdbox", "mdbox"];

/**
 * Expands the variables Dovecot allows in `mail_location`: %u %n %d %h and %% (and their long forms
 * %{user} %{username} %{domain} %{home}); an unknown variable stays as written, as in Dovecot.
 * openUserStore expands them, so callers may pass the configured template; a location the userdb
 * already expanded passes through unchanged (unless a value itself contains `%`).
 */
export function expandVariables(text: string, vars: LocationVariables): string {
  const at = vars.user.indexOf("@");
  const values: Record<string, string> = {
    u: vars.user,
    user: vars.user,
    n: at < 0 ? vars.user : vars.user.slice(0, at),
    username: at < 0 ? vars.user : vars.user.slice(0, at),
    d: at < 0 ? "" : vars.user.slice(at + 1),
    domain: at < 0 ? "" : vars.user.slice(at + 1),
    h: vars.home,
    home: vars.home,
    "%": "%",
  };
  return text.replace(/%(?:\{([a-z]+)\}|([a-zA-Z%]))/g, (whole, long?: string, short?: string) => {
    const key = long ?? (short === "%" ? "%" : short?.toLowerCase());
    return (key === undefined ? undefined : values[key]) ?? whole;
  });
}

function expandPath(path: string, vars: LocationVariables): string {
  const expanded = expandVariables(path, vars);
  const home =
    expanded === "~" ? vars.home : expanded.startsWith("~/") ? join(vars.home, expanded.slice(2)) : expanded;
  if (!isAbsolute(home)) {
    throw new StoreError("CANNOT", `mail_location: path is not absolute: ${path}`);
  }
  return home;
}

/**
 * Splits on single `:`; Dovecot writes a literal colon in a path as `::`.
 */
function splitFields(text: string): string[] {
  const fields: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] === ":") {
      if (text[i + 1] === ":") {
        current += ":";
        i++;
      } else {
        fields.push(current);
        current = "";
      }
    } else {
      current += text[i];
    }
  }
  fields.push(current);
  return fields;
}

/**
 * Parses `maildir:~/Maildir[:LAYOUT=fs][:INBOX=…][:INDEX=…][:CONTROL=…]` and
 * `mbox:~/mail[:INBOX=/var/mail/%u]` as Dovecot does.
 */
export function parseMailLocation(location: string, vars: LocationVariables): MailLocation {
  const colon = location.indexOf(":");
  if (colon < 0) throw new StoreError("CANNOT", `mail_location has no format prefix: ${location}`);
  const format = location.slice(0, colon);
  if (!FORMATS.includes(format)) {
    throw new StoreError("CANNOT", `mail_location: unsupported format "${format}"`);
  }
  const [rootField, ...rest] = splitFields(location.slice(colon + 1));
  if (!rootField) throw new StoreError("CANNOT", `mail_location has no root directory: ${location}`);
  const result: MailLocation = {
    format: format as MailFormat,
    root: expandPath(rootField, vars),
    layout: "maildir++",
    options: {},
  };
  for (const field of rest) {
    if (field === "") continue;
    const eq = field.indexOf("=");
    const key = (eq < 0 ? field : field.slice(0, eq)).toUpperCase();
    const value = eq < 0 ? "" : field.slice(eq + 1);
    switch (key) {
      case "LAYOUT":
        if (value !== "fs" && value !== "maildir++") {
          throw new StoreError("CANNOT", `mail_location: unsupported LAYOUT=${value}`);
        }
        result.layout = value;
        break;
      case "INBOX":
        result.inbox = expandPath(value, vars);
        break;
      case "INDEX":
        result.index = value === "MEMORY" ? value : expandPath(value, vars);
        break;
      case "CONTROL":
        result.control = expandPath(value, vars);
        break;
      case "ALT":
        // dbox alternate storage (storage-dbox.md §1.3), kept with the other options.
        result.options[key] = expandPath(value, vars);
        break;
      default:
        result.options[key] = value;
    }
  }
  return result;
}
