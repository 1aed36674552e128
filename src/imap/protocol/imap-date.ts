import type { ArgCursor } from "./arg-cursor.js";
import { isDigit } from "./char-classes.js";

/** date (RFC 3501 §9): a calendar day, no time or zone (SEARCH BEFORE/ON/SINCE...). */
export interface ImapDate {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
}

/** date-time (RFC 3501 §9), as APPEND gives and INTERNALDATE shows. */
export interface ImapDateTime extends ImapDate {
  hour: number;
  minute: number;
  second: number;
  /** Offset from UTC in minutes (+0100 → 60). */
  zone: number;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** date-text = date-day "-" date-month "-" date-year, from a binary string. */
function dateText(s: string): ImapDate | null {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(s);
  if (m === null) return null;
  const month = MONTHS.findIndex((x) => x.toLowerCase() === m[2]!.toLowerCase()) + 1;
  const day = Number(m[1]);
  const year = Number(m[3]);
  // RFC wins over Dovecot here: Dovecot 2.3 takes 32-Jan-2020 (it normalises via mktime).
  if (month === 0 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

function isDateChar(b: number): boolean {
  const lower = b | 0x20;
  return isDigit(b) || b === 0x2d || (lower >= 0x61 && lower <= 0x7a);
}

/** date = date-text / DQUOTE date-text DQUOTE */
export function parseDate(c: ArgCursor, reason = "Invalid date"): ImapDate {
  const s = c.peek() === 0x22 ? c.quoted() : c.take(isDateChar);
  const d = dateText(s);
  if (d === null) return c.fail(reason);
  return d;
}

/**
 * date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
 * date-day-fixed = (SP DIGIT) / 2DIGIT
 */
export function parseDateTime(c: ArgCursor, reason = "Invalid date-time"): ImapDateTime {
  if (c.peek() !== 0x22) c.fail(reason);
  const s = c.quoted();
  const m = /^([ \d]\d-[A-Za-z]{3}-\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(s);
  const d = m === null ? null : dateText(m[1]!.trimStart());
  if (m === null || d === null) return c.fail(reason);
  const [hour, minute, second, zh, zm] = [m[2], m[3], m[4], m[6], m[7]].map(Number) as number[];
  if (hour! > 23 || minute! > 59 || second! > 60 || zm! > 59) c.fail(reason);
  const zone = (m[5] === "-" ? -1 : 1) * (zh! * 60 + zm!);
  return { ...d, hour: hour!, minute: minute!, second: second!, zone };
}

/** The instant a date-time names. */
export function dateTimeToDate(t: ImapDateTime): Date {
  return new Date(Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) - t.zone * 60000);
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** `"01-Jan-2020 10:00:00 +0000"` (quotes included) for INTERNALDATE, in the given zone. */
export function formatDateTime(instant: Date, zoneMinutes = 0): string {
  const t = new Date(instant.getTime() + zoneMinutes * 60000);
  const sign = zoneMinutes < 0 ? "-" : "+";
  const z = Math.abs(zoneMinutes);
  return (
    `"${pad2(t.getUTCDate())}-${MONTHS[t.getUTCMonth()]}-${t.getUTCFullYear()} ` +
    `${pad2(t.getUTCHours())}:${pad2(t.getUTCMinutes())}:${pad2(t.getUTCSeconds())} ` +
    `${sign}${pad2(Math.floor(z / 60))}${pad2(z % 60)}"`
  );
}

/** date-text for a day ("1-Feb-2020"). */
export function formatDate(d: ImapDate): string {
  return `${d.day}-${MONTHS[d.month - 1]}-${d.year}`;
}
