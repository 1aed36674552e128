// Delivery's inputs and per-recipient outcomes. The protocols map outcomes to their own terms:
// LMTP to one reply per recipient, loft-lda to a sysexits code.

export interface DeliveryEnvelope {
  /** MAIL FROM / -f; "" for the null sender. */
  from: string;
  /** Trace headers to prepend (LMTP); null adds none (loft-lda, as dovecot-lda). */
  trace: { helo: string; remoteIp: string | null; sessionId: string; addReceived: boolean } | null;
  /** How a Sieve reject is carried out: refused in the reply (LMTP, lda -e) or by mail to the sender. */
  rejectBy: "reply" | "mail";
  /** The client's address for the environment extension. */
  remoteIp: string | null;
}

export interface RecipientRequest {
  /** The recipient address (RCPT TO, lda -r / -d). */
  address: string;
  /** ORCPT / lda -a. */
  original?: string;
  /** The userdb name, when it is not derived from the address (lda -d). */
  user?: string;
  /** The default mailbox instead of INBOX (lda -m). */
  mailbox?: string;
}

export type RecipientOutcome =
  /** Done: stored in these mailboxes (none when the script discarded or redirected it). */
  | { status: "delivered"; mailboxes: string[] }
  | { status: "unknown-user" }
  | { status: "over-quota"; message: string }
  /** A Sieve reject refused in the reply (rejectBy "reply") or answered by a rejection mail. */
  | { status: "rejected"; reason: string; mailed: boolean }
  | { status: "tempfail"; message: string };
