import type { Logger } from "../log/index.js";
import { isStoreError } from "../store/index.js";
import type { Reply } from "./command-context.js";

/** Store error codes that are IMAP response codes as they are (RFC 5530). */
const AS_CODE = new Set([
  "NONEXISTENT",
  "ALREADYEXISTS",
  "OVERQUOTA",
  "EXPUNGED",
  "LIMIT",
  "INUSE",
  "CANNOT",
  "NOPERM",
]);

/** A command's failure as its tagged NO; anything unexpected is logged and told as Dovecot tells it. */
export function failureReply(err: unknown, log: Logger): Reply {
  if (isStoreError(err)) {
    // Texts may name a mailbox in Unicode: sent as UTF-8 bytes (the writer takes binary strings).
    const text = Buffer.from(err.message, "utf8").toString("latin1");
    if (err.code === "BADNAME") return { status: "NO", text, code: { name: "CANNOT" } };
    if (err.code === "TEMPFAIL") return { status: "NO", text, code: { name: "UNAVAILABLE" } };
    if (AS_CODE.has(err.code)) return { status: "NO", text, code: { name: err.code } };
  }
  log.error({ err }, "IMAP command failed");
  return {
    status: "NO",
    text: "Internal error occurred. Refer to server log for more information.",
    code: { name: "SERVERBUG" },
  };
}
