import { hostname } from "node:os";

/**
 * The mbox From_ line (storage-mbox.md §2.1–§2.2): how Dovecot writes it and which ones it accepts as
 * message separators. A `From ` line whose date does not parse is body text, not a separator.
 */

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * `From <sender>  Www Mmm DD HH:MM:SS YYYY\n` in local time: two spaces after the sender and a
 * zero-padded day, unlike asctime() (Dovecot's mbox_from_create).
 */
export function formatFromLine(sender: string, date: Date): string {
  const month = MONTHS[date.getMonth()]!;
  const time = `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
  return `From ${sender}  ${DAYS[date.getDay()]} ${month[0]!.toUpperCase()}${month.slice(1)} ${pad2(
    date.getDate(),
  )} ${time} ${date.getFullYear()}\n`;
}

/**
 * The envelope sender without angle brackets; `MAILER-DAEMON` for the null sender; with none known
 * (an IMAP APPEND, `doveadm save`) `<user>` when it has a domain, else `<user>@<host>` (§2.1).
 * Spaces would end the sender early for every reader, so they become `_`.
 */
export function fromLineSender(envelope: string | undefined, user: string): string {
  if (envelope === "") return "MAILER-DAEMON";
  const sender = envelope ?? (user.includes("@") ? user : `${user}@${hostname()}`);
  return sender.replace(/^<|>$/g, "").replace(/\s/g, "_");
}

// asctime style: Www Mmm [ ]D HH:MM[:SS] [ZONE|±HHMM] YYYY [±HHMM], anything after that ignored.
const ASCTIME =
  /^[A-Za-z]{3} +([A-Za-z]{3}) +(\d{1,2}) +(\d{1,2}):(\d{2})(?::(\d{2}))?(?: +(?:([+-]\d{4})|[A-Za-z][A-Za-z0-9]*))? +(\d{4})(?: +([+-]\d{4}))?(?:\s|$)/;
// RFC 822-like: Www, D Mmm YYYY HH:MM[:SS]
const RFC822 = /^[A-Za-z]{3}, +(\d{1,2}) +([A-Za-z]{3}) +(\d{4}) +(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s|$)/;

function toTime(
  year: number,
  monthName: string,
  day: number,
  hour: number,
  minute: number,
  second: number,
  zone: string | undefined,
): number | undefined {
  const month = MONTHS.indexOf(monthName.toLowerCase());
  if (month < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  if (zone === undefined) return new Date(year, month, day, hour, minute, second).getTime();
  const sign = zone[0] === "-" ? -1 : 1;
  const offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  return Date.UTC(year, month, day, hour, minute, second) - offset * 60_000;
}

/**
 * The date of a From_ line (ms since the epoch), or undefined when the line is not a valid separator.
 * The sender is one word, or a quoted string with whatever follows it up to a space.
 */
export function parseFromLine(line: string): number | undefined {
  if (!line.startsWith("From ")) return undefined;
  let i = 5;
  if (line[i] === '"') {
    const close = line.indexOf('"', i + 1);
    if (close < 0) return undefined;
    i = close + 1;
  }
  while (i < line.length && line[i] !== " ") i++;
  while (line[i] === " ") i++;
  const date = line.slice(i);
  const a = ASCTIME.exec(date);
  if (a) {
    return toTime(
      Number(a[7]),
      a[1]!,
      Number(a[2]),
      Number(a[3]),
      Number(a[4]),
      Number(a[5] ?? 0),
      a[6] ?? a[8],
    );
  }
  const b = RFC822.exec(date);
  if (b) {
    return toTime(
      Number(b[3]),
      b[2]!,
      Number(b[1]),
      Number(b[4]),
      Number(b[5]),
      Number(b[6] ?? 0),
      undefined,
    );
  }
  return undefined;
}
