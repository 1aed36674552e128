// Outbound mail (redirect, vacation, rejection, notification) through the configured sendmail
// command, run as Dovecot runs sendmail_path: CMD -i -f SENDER -- RECIPIENT…
import { spawn } from "node:child_process";

export interface OutboundMessage {
  /** Envelope sender; "" for the null sender `<>` (auto-replies, RFC 3834 §3.3). */
  from: string;
  to: string[];
  data: Buffer;
}

export interface MailSender {
  send(message: OutboundMessage): Promise<void>;
}

/** Runs the sendmail command; resolves when it exits 0, rejects with its status and stderr otherwise. */
export class SendmailCommand implements MailSender {
  private readonly argv: string[];

  constructor(command: string) {
    // sendmail_path may carry options ("/usr/sbin/sendmail -oi"); split on white space as Dovecot does.
    this.argv = command.trim().split(/\s+/);
  }

  send(message: OutboundMessage): Promise<void> {
    const [cmd = "", ...options] = this.argv;
    const args = [...options, "-i", "-f", message.from === "" ? "<>" : message.from, "--", ...message.to];
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { stdio: ["pipe", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (s: string) => {
        if (stderr.length < 2000) stderr += s;
      });
      child.on("error", (err) => reject(new Error(`cannot run ${cmd}: ${err.message}`)));
      child.stdin.on("error", () => {});
      child.on("close", (code, signal) => {
        if (code === 0) resolve();
        else
          reject(
            new Error(
              `${cmd} ${signal === null ? `exited with status ${code}` : `was killed by ${signal}`}${stderr ? `: ${stderr.trim()}` : ""}`,
            ),
          );
      });
      child.stdin.end(message.data);
    });
  }
}
