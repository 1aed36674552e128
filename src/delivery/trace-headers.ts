// The header block LMTP delivery prepends, as Dovecot 2.3's lmtp writes it (protocols.md §1):
// Return-Path, Delivered-To only for a single recipient, then Received.

export interface TraceInfo {
  /** MAIL FROM, "" for the null sender. */
  from: string;
  /** The name the client gave in LHLO. */
  helo: string;
  /** The client's address, when it came over TCP. */
  remoteIp: string | null;
  /** Our host name. */
  hostname: string;
  /** The transaction id that also appears in the replies. */
  sessionId: string;
  /** The recipient, when the transaction has exactly one; the block is shared otherwise. */
  singleRecipient: string | null;
  addReceived: boolean;
  date: Date;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** RFC 5322 §3.3 date-time in local time with its numeric zone, e.g. `Sat, 28 Nov 2026 12:22:59 +0000`. */
export function rfc5322Date(d: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? "-" : "+";
  const zone = `${sign}${two(Math.floor(Math.abs(offset) / 60))}${two(Math.abs(offset) % 60)}`;
  return (
    `${DAYS[d.getDay()]}, ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${zone}`
  );
}

/** Characters that must not reach a header from a client-supplied name. */
function clean(s: string): string {
  return s.replace(/[\x00-\x20()<>;\\"\x7f]/g, "");
}

export function traceHeaders(t: TraceInfo): Buffer {
  const lines = [`Return-Path: <${t.from}>`];
  if (t.singleRecipient !== null) lines.push(`Delivered-To: ${t.singleRecipient}`);
  if (t.addReceived) {
    const ip = t.remoteIp === null ? "" : ` ([${t.remoteIp.replace(/^::ffff:/, "")}])`;
    lines.push(
      `Received: from ${clean(t.helo) || "unknown"}${ip}`,
      `\tby ${t.hostname} with LMTP`,
      `\tid ${t.sessionId}`,
      `\t(envelope-from <${t.from}>)`,
    );
    const date = rfc5322Date(t.date);
    if (t.singleRecipient !== null) lines.push(`\tfor <${t.singleRecipient}>; ${date}`);
    else lines[lines.length - 1] += `; ${date}`;
  }
  return Buffer.from(`${lines.join("\r\n")}\r\n`, "utf8");
}
