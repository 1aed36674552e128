// RFC 5260: the date and currentdate tests, :zone and :originalzone.
import type { Argument } from "../ast.js";
import { decodedHeaderValues, matchValues } from "../core/header-access.js";
import { checkHeaderNames } from "../core/language.js";
import type { CompiledNode, Extension, Validation } from "../extension.js";
import type { Runtime } from "../runtime.js";
import { stringsOf } from "../runtime.js";

const DATE_PARTS = [
  "year",
  "month",
  "day",
  "date",
  "julian",
  "hour",
  "minute",
  "second",
  "time",
  "iso8601",
  "std11",
  "zone",
  "weekday",
];

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** RFC 5322 §4.3 obsolete zones (military zones other than Z are treated as -0000). */
const NAMED_ZONES: Record<string, number> = {
  UT: 0,
  GMT: 0,
  Z: 0,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
};

/** A moment and the zone offset (minutes east of UTC) it was written in. */
export interface ZonedTime {
  utcMillis: number;
  offset: number;
}

/** Parses an RFC 5322 date-time (with the obsolete forms); null when it is not one. */
export function parseRfc5322Date(value: string): ZonedTime | null {
  const m =
    /^\s*(?:[A-Za-z]{3}\s*,\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[A-Za-z]{1,5})?/.exec(
      value.replace(/\([^)]*\)/g, " "),
    );
  if (m === null) return null;
  const month = MONTHS.indexOf(m[2]!.toLowerCase());
  if (month === -1) return null;
  let year = Number(m[3]);
  // RFC 5322 §4.3: two-digit years below 50 are 20xx, three-digit years add 1900.
  if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900;
  else if (m[3]!.length === 3) year += 1900;
  const [day, hour, minute, second] = [Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const zone = m[7] ?? "-0000";
  let offset: number;
  if (/^[+-]\d{4}$/.test(zone)) {
    const sign = zone[0] === "-" ? -1 : 1;
    offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  } else offset = NAMED_ZONES[zone.toUpperCase()] ?? 0;
  const utcMillis = Date.UTC(year, month, day, hour, minute, second) - offset * 60_000;
  return { utcMillis, offset };
}

/** Parses a `:zone` argument (`+hhmm`/`-hhmm`) into minutes east of UTC, or null. */
function parseZone(zone: string): number | null {
  const m = /^([+-])(\d{2})(\d{2})$/.exec(zone);
  if (m === null || Number(m[3]) > 59) return null;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function formatZone(offset: number): string {
  const abs = Math.abs(offset);
  return `${offset < 0 ? "-" : "+"}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

/** The date part of a moment seen in a zone (RFC 5260 §4.2). */
export function datePart(time: ZonedTime, part: string): string | null {
  const local = new Date(time.utcMillis + time.offset * 60_000);
  const y = local.getUTCFullYear();
  const mo = local.getUTCMonth() + 1;
  const d = local.getUTCDate();
  const h = local.getUTCHours();
  const mi = local.getUTCMinutes();
  const s = local.getUTCSeconds();
  switch (part) {
    case "year":
      return pad(y, 4);
    case "month":
      return pad(mo);
    case "day":
      return pad(d);
    case "date":
      return `${pad(y, 4)}-${pad(mo)}-${pad(d)}`;
    case "julian":
      // Modified Julian Day: days since 1858-11-17.
      return String(Math.floor((Date.UTC(y, mo - 1, d) - Date.UTC(1858, 10, 17)) / 86_400_000));
    case "hour":
      return pad(h);
    case "minute":
      return pad(mi);
    case "second":
      return pad(s);
    case "time":
      return `${pad(h)}:${pad(mi)}:${pad(s)}`;
    case "iso8601": {
      const zone = formatZone(time.offset);
      return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${zone.slice(0, 3)}:${zone.slice(3)}`;
    }
    case "std11":
      // RFC 5322 allows one or two day digits; Pigeonhole writes two (observed).
      return `${DAYS[local.getUTCDay()]}, ${pad(d)} ${MONTHS[mo - 1]![0]!.toUpperCase()}${MONTHS[mo - 1]!.slice(1)} ${pad(y, 4)} ${pad(h)}:${pad(mi)}:${pad(s)} ${formatZone(time.offset)}`;
    case "zone":
      return formatZone(time.offset);
    case "weekday":
      return String(local.getUTCDay());
  }
  return null;
}

/** The local zone offset at a moment (the TZ environment of the process). */
function localOffset(utcMillis: number): number {
  return -new Date(utcMillis).getTimezoneOffset();
}

function targetOffset(node: CompiledNode, rt: Runtime, time: ZonedTime): number | null {
  if (node.tags.has(":originalzone")) return time.offset;
  const zone = rt.tagString(node, ":zone");
  if (zone === null) return localOffset(time.utcMillis);
  return parseZone(zone);
}

function checkDatePart(node: CompiledNode, index: number, v: Validation): void {
  const part = stringsOf(node.positional[index])[0] ?? "";
  // An unknown part makes the test false; Pigeonhole warns rather than refusing the script.
  if (!part.includes("${") && !DATE_PARTS.includes(part.toLowerCase())) {
    v.warning(node.positional[index]!.pos, `specified date part \`${part}' is not known`);
  }
}

const zoneTag = {
  name: ":zone",
  param: "string" as const,
  group: "zone",
  validate(_node: CompiledNode, param: Argument | null, v: Validation) {
    const zone = stringsOf(param)[0] ?? "";
    // An invalid zone makes the test false at run time; Pigeonhole only warns here.
    if (!zone.includes("${") && parseZone(zone) === null) {
      v.warning(param!.pos, `specified :zone argument '${zone}' is not a valid timezone`);
    }
  },
};

export const date: Extension = {
  name: "date",
  commands: [
    {
      name: "date",
      type: "test",
      positional: ["string", "string", "strings"],
      groups: ["comparator", "match-type"],
      tags: [zoneTag, { name: ":originalzone", group: "zone" }],
      validate(node, v) {
        checkHeaderNames(node, 0, v);
        checkDatePart(node, 1, v);
      },
      evaluate(node, rt) {
        const part = rt.string(node, 1).toLowerCase();
        const values: string[] = [];
        for (const raw of decodedHeaderValues(node, rt, [rt.string(node, 0)])) {
          const time = parseRfc5322Date(raw);
          if (time === null) continue;
          const offset = targetOffset(node, rt, time);
          if (offset === null) continue;
          const value = datePart({ utcMillis: time.utcMillis, offset }, part);
          if (value !== null) values.push(value);
        }
        return matchValues(node, rt, values, rt.strings(node, 2));
      },
    },
    {
      name: "currentdate",
      type: "test",
      positional: ["string", "strings"],
      groups: ["comparator", "match-type"],
      tags: [zoneTag],
      validate: (node, v) => checkDatePart(node, 0, v),
      evaluate(node, rt) {
        const now = rt.env.now().getTime();
        const zone = rt.tagString(node, ":zone");
        const offset = zone === null ? localOffset(now) : parseZone(zone);
        const value =
          offset === null ? null : datePart({ utcMillis: now, offset }, rt.string(node, 0).toLowerCase());
        return matchValues(node, rt, value === null ? [] : [value], rt.strings(node, 1));
      },
    },
  ],
};
