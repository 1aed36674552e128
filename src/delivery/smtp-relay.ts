// Outbound mail through an SMTP relay (Dovecot's submission_host) instead of a sendmail command.
import type { MailSender, OutboundMessage } from "./sendmail.js";

export class SmtpRelay implements MailSender {
  private transport: Promise<import("nodemailer").Transporter> | null = null;
  private readonly host: string;
  private readonly port: number;

  /** `host` or `host:port` (port 25 when absent); `[v6]:port` for IPv6. */
  constructor(
    hostPort: string,
    private readonly heloName: string,
  ) {
    const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(hostPort.trim());
    if (m === null) throw new Error(`invalid submission_host: ${JSON.stringify(hostPort)}`);
    this.host = m[1] ?? m[2]!;
    this.port = m[3] === undefined ? 25 : Number(m[3]);
  }

  // nodemailer is loaded on first use: most deliveries send nothing.
  private connect(): Promise<import("nodemailer").Transporter> {
    this.transport ??= import("nodemailer").then((nodemailer) =>
      nodemailer.createTransport({
        host: this.host,
        port: this.port,
        secure: false,
        name: this.heloName,
        // STARTTLS when the relay offers it; a relay on loopback usually has a self-signed certificate.
        tls: { rejectUnauthorized: false },
      }),
    );
    return this.transport;
  }

  async send(message: OutboundMessage): Promise<void> {
    const transport = await this.connect();
    await transport.sendMail({ envelope: { from: message.from, to: message.to }, raw: message.data });
  }
}
