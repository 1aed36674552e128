// The recipients of one LMTP transaction as the client sent them, duplicates included:
// smtp-server folds a repeated RCPT into one entry, but the client expects one DATA reply per
// RCPT it got 250 for (RFC 2033 §4.2), so the reply count comes from this list.

export interface AcceptedRecipient {
  address: string;
  original?: string;
}

export class Transaction {
  readonly recipients: AcceptedRecipient[] = [];

  constructor(readonly maxRecipients: number) {}

  full(): boolean {
    return this.recipients.length >= this.maxRecipients;
  }

  has(address: string): boolean {
    const key = address.toLowerCase();
    return this.recipients.some((r) => r.address.toLowerCase() === key);
  }

  add(r: AcceptedRecipient): void {
    this.recipients.push(r);
  }
}
