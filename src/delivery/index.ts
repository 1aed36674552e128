// Delivery: what LMTP and loft-lda share. deliver(message, envelope, recipients) runs each
// recipient's Sieve scripts and carries out the result into the store and outbound mail.
export { Delivery, type DeliveryDeps, type KnownUsers, type RecipientCheck } from "./deliver.js";
export { splitRecipient } from "./recipient.js";
export { lazySieveEngine } from "./sieve-engine.js";
export type { DeliveryEnvelope, RecipientOutcome, RecipientRequest } from "./types.js";
