import type { UserInfo } from "../auth/index.js";
import type { Config } from "../config/index.js";
import type { Logger } from "../log/index.js";
import { parseMailLocation, type UserStore } from "../store/index.js";
import { openUserMail } from "../user-mail/index.js";
import { Maildrop } from "./maildrop.js";
import { lockPop3Session, type SessionLock } from "./session-lock.js";
import type { UidlFormat } from "./uidl-format.js";

export type OpenResult =
  | { maildrop: Maildrop; release(): Promise<void> }
  /** `error` is the reply line for the client, `reason` is for the log. */
  | { error: string; reason: string };

const INTERNAL_ERROR = "-ERR [SYS/TEMP] Internal error occurred. Refer to server log for more information.";

/** Opens a user's INBOX for one POP3 session, under Dovecot's POP3 session lock when configured. */
export class Pop3Mail {
  constructor(
    private readonly config: Config,
    private readonly uidlFormat: UidlFormat,
    private readonly lockSession: boolean,
  ) {}

  async open(user: UserInfo, log: Logger): Promise<OpenResult> {
    let store: UserStore;
    try {
      store = await openUserMail(user, this.config, log);
    } catch (err) {
      log.error({ err }, "cannot open the user's mail");
      return { error: INTERNAL_ERROR, reason: "store failed" };
    }
    let lock: SessionLock | null = null;
    if (this.lockSession) {
      try {
        lock = await lockPop3Session(lockDirectory(user), owner(user));
      } catch (err) {
        store.close();
        log.error({ err }, "cannot create the POP3 session lock");
        return { error: "-ERR [SYS/TEMP] Failed to create POP3 session lock.", reason: "lock failed" };
      }
      if (!lock) {
        store.close();
        // RFC 1939 §8 and RFC 2449 §8.1.2: one session per maildrop, IN-USE for the next.
        return {
          error: "-ERR [IN-USE] Mailbox is locked by another POP3 session.",
          reason: "mailbox locked by another POP3 session",
        };
      }
    }
    const release = async () => {
      await lock?.release();
      store.close();
    };
    try {
      const mailbox = await store.openMailbox("INBOX");
      // Dovecot's pop3 opens INBOX dropping \Recent: Maildir files move from new/ to cur/.
      await mailbox.claimRecent();
      return { maildrop: Maildrop.open(mailbox, this.uidlFormat), release };
    } catch (err) {
      await release();
      log.error({ err }, "cannot open INBOX");
      return { error: INTERNAL_ERROR, reason: "INBOX failed" };
    }
  }
}

/** Dovecot puts the lock in the INBOX namespace's index root, else its mail root. */
function lockDirectory(user: UserInfo): string {
  const location = parseMailLocation(user.mailLocation, { user: user.user, home: user.home });
  return location.index !== undefined && location.index !== "MEMORY" ? location.index : location.root;
}

function owner(user: UserInfo): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0 || user.uid === undefined) return undefined;
  return { uid: user.uid, gid: user.gid ?? user.uid };
}
