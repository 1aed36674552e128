// LMTP reply texts, as Dovecot 2.3's lmtp words them (protocols.md §1). Each carries its
// enhanced status code (RFC 2034) in the text; the connection sends it as written.
import type { RecipientCheck, RecipientOutcome } from "../delivery/index.js";

export interface Reply {
  code: number;
  /** Starts with the enhanced status code. */
  text: string;
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, " ").slice(0, 400);
}

export function overQuota(address: string, tempfail: boolean): Reply {
  const text = `<${address}> Quota exceeded (mailbox for user is full)`;
  return tempfail ? { code: 452, text: `4.2.2 ${text}` } : { code: 552, text: `5.2.2 ${text}` };
}

/**
 * The RCPT reply for a refused recipient. An unknown one is named as the user that was looked up
 * (`user`: without +detail, a quoted local part unquoted), as Dovecot does.
 */
export function rcptRefusal(
  address: string,
  check: Exclude<RecipientCheck, "ok">,
  quotaTempfail: boolean,
  user = address,
): Reply {
  switch (check) {
    case "unknown-user":
      return { code: 550, text: `5.1.1 <${address}> User doesn't exist: ${user}` };
    case "over-quota":
      return overQuota(address, quotaTempfail);
    case "tempfail":
      return { code: 451, text: `4.3.0 <${address}> Temporary internal error` };
  }
}

export const TOO_MANY_RECIPIENTS: Reply = { code: 452, text: "4.5.3 Too many recipients" };

export function messageTooBig(limit: number): Reply {
  return { code: 552, text: `5.3.4 Message size exceeds fixed maximum message size (${limit} bytes)` };
}

/** The DATA reply for one recipient. `id` is the transaction id, with `:R<n>` after the first recipient. */
export function dataReply(
  address: string,
  outcome: RecipientOutcome,
  id: string,
  quotaTempfail: boolean,
  user = address,
): Reply {
  switch (outcome.status) {
    case "delivered":
      return { code: 250, text: `2.0.0 <${address}> ${id} Saved` };
    case "unknown-user":
      return rcptRefusal(address, "unknown-user", quotaTempfail, user);
    case "over-quota":
      return overQuota(address, quotaTempfail);
    case "rejected":
      return { code: 552, text: `5.2.0 <${address}> ${oneLine(outcome.reason)}` };
    case "tempfail":
      return { code: 451, text: `4.3.0 <${address}> Temporary internal error` };
  }
}
