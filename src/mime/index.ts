export { type Address, parseAddressList } from "./address.js";
export { bodystructure } from "./bodystructure.js";
export { envelope, parseEnvelope } from "./envelope.js";
export { imapNstring, imapNstringNolf, imapString, imapStringForHumans } from "./imap-quote.js";
export { MimeParser, type MimeParserOptions, parseMime } from "./parser.js";
export type { MimeParam } from "./rfc2231.js";
export {
  type Envelope,
  type EnvelopeFields,
  type MimePart,
  type PartData,
  PartFlag,
  type Size,
} from "./types.js";
