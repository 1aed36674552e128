// The messages delivery sends on a script's behalf: vacation replies (RFC 5230, RFC 3834),
// rejections (RFC 5429 §2.1.1, as Dovecot's mail_send_rejection writes them) and mailto
// notifications (RFC 5436).
import { randomBytes } from "node:crypto";
import { libmime } from "../mime/index.js";
import { headerValue } from "./edited-message.js";
import { rfc5322Date } from "./trace-headers.js";

function decoded(value: string | null): string | null {
  if (value === null) return null;
  const utf8 = Buffer.from(value, "latin1").toString("utf8");
  return utf8.includes("=?") ? libmime().decodeWords(utf8) : utf8;
}

/** A header value safe to write: RFC 2047 words for non-ASCII, no line breaks. */
function encoded(value: string): string {
  const flat = value.replace(/[\r\n]+/g, " ");
  return /[^\x20-\x7e]/.test(flat) ? libmime().encodeWords(flat, "Q", 52) : flat;
}

function messageId(hostname: string): string {
  return `<${randomBytes(12).toString("base64url")}@${hostname}>`;
}

export interface VacationInput {
  hostname: string;
  /** The user's address (the final recipient) unless :from says otherwise. */
  from: string;
  to: string;
  subject: string;
  reason: string;
  mime: boolean;
  /** The message answered. */
  original: Buffer;
  date: Date;
}

export function vacationReply(v: VacationInput): Buffer {
  const origId = headerValue(v.original, "message-id");
  const refs = headerValue(v.original, "references");
  const lines = [
    `Message-ID: ${messageId(v.hostname)}`,
    `Date: ${rfc5322Date(v.date)}`,
    `From: ${encoded(v.from)}`,
    `To: <${v.to}>`,
    `Subject: ${encoded(v.subject)}`,
  ];
  if (origId !== null) {
    lines.push(`In-Reply-To: ${origId}`, `References: ${refs === null ? origId : `${refs} ${origId}`}`);
  }
  // RFC 3834 §5: an automatic reply says so; Pigeonhole adds the reason in a comment.
  lines.push("Auto-Submitted: auto-replied (vacation)", "Precedence: bulk", "MIME-Version: 1.0");
  // With :mime the reason is a MIME entity of its own: its header lines go into ours (RFC 5230 §5.8).
  const body = v.mime
    ? v.reason.replace(/\r?\n/g, "\r\n")
    : `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${v.reason.replace(/\r?\n/g, "\r\n")}`;
  return Buffer.from(`${lines.join("\r\n")}\r\n${body}${body.endsWith("\r\n") ? "" : "\r\n"}`, "utf8");
}

export interface RejectionInput {
  hostname: string;
  postmaster: string;
  to: string;
  recipient: string;
  reason: string;
  original: Buffer;
  date: Date;
}

/** The header of the original message (up to the blank line), for the message/rfc822-headers part. */
function headerBlock(original: Buffer): Buffer {
  const crlf = original.indexOf("\r\n\r\n");
  const lf = original.indexOf("\n\n");
  const ends = [crlf < 0 ? -1 : crlf + 2, lf < 0 ? -1 : lf + 1].filter((i) => i >= 0);
  return ends.length === 0 ? original : original.subarray(0, Math.min(...ends));
}

export function rejectionMail(r: RejectionInput): Buffer {
  const boundary = `${randomBytes(9).toString("base64url")}/${r.hostname}`;
  const subject = decoded(headerValue(r.original, "subject")) ?? "";
  const origId = headerValue(r.original, "message-id");
  const head = [
    `Message-ID: ${messageId(r.hostname)}`,
    `Date: ${rfc5322Date(r.date)}`,
    `From: Mail Delivery Subsystem <${r.postmaster}>`,
    `To: <${r.to}>`,
    `Subject: ${encoded(`Rejected: ${subject}`)}`,
    "Auto-Submitted: auto-replied (rejected)",
    "Precedence: bulk",
    "MIME-Version: 1.0",
    `Content-Type: multipart/report; report-type=disposition-notification;\r\n\tboundary="${boundary}"`,
    "",
    "This is a MIME-encapsulated message",
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "Content-Disposition: inline",
    "Content-Transfer-Encoding: 8bit",
    "",
    `Your message to <${r.recipient}> was automatically rejected:`,
    r.reason.replace(/\r?\n/g, "\r\n"),
    "",
    `--${boundary}`,
    "Content-Type: message/disposition-notification",
    "",
    `Reporting-UA: ${r.hostname}; Loft Mail Delivery Agent`,
    `Final-Recipient: rfc822; ${r.recipient}`,
    ...(origId === null ? [] : [`Original-Message-ID: ${origId}`]),
    "Disposition: automatic-action/MDN-sent-automatically; deleted",
    "",
    `--${boundary}`,
    "Content-Type: message/rfc822-headers",
    "",
    "",
  ];
  const tail = `\r\n--${boundary}--\r\n`;
  const headers = headerBlock(r.original);
  return Buffer.concat([Buffer.from(head.join("\r\n"), "utf8"), headers, Buffer.from(tail, "utf8")]);
}

export interface NotifyInput {
  hostname: string;
  from: string;
  /** The user on whose behalf it is sent (RFC 5436 §2.7: Auto-Submitted owner-email). */
  owner: string;
  recipients: { field: string; address: string }[];
  subject: string;
  body: string;
  importance: number;
  date: Date;
}

export function notificationMail(n: NotifyInput): Buffer {
  const shown = (field: string) => n.recipients.filter((r) => r.field === field).map((r) => `<${r.address}>`);
  const lines = [
    `Message-ID: ${messageId(n.hostname)}`,
    `Date: ${rfc5322Date(n.date)}`,
    `From: ${encoded(n.from)}`,
  ];
  if (shown("To").length > 0) lines.push(`To: ${shown("To").join(", ")}`);
  if (shown("Cc").length > 0) lines.push(`Cc: ${shown("Cc").join(", ")}`);
  lines.push(`Subject: ${encoded(n.subject)}`, `Auto-Submitted: auto-notified; owner-email="${n.owner}"`);
  // RFC 5436 §2.4: importance 1 and 3 map to X-Priority high and low.
  if (n.importance === 1) lines.push("X-Priority: 1 (Highest)", "Importance: High");
  if (n.importance === 3) lines.push("X-Priority: 5 (Lowest)", "Importance: Low");
  lines.push(
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    n.body.replace(/\r?\n/g, "\r\n"),
  );
  return Buffer.from(`${lines.join("\r\n")}\r\n`, "utf8");
}
