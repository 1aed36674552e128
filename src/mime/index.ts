export { type Address, parseAddressList } from "./address.js";
export { bodystructure, partBodystructure } from "./bodystructure.js";
export { iconv, libmime } from "./charset-libs.js";
export { envelope, parseEnvelope } from "./envelope.js";
export {
  filterHeaderFields,
  type HeaderField,
  type HeaderFilter,
  headerFields,
  headerValues,
  toCrlf,
} from "./header-fields.js";
export { type ImapBytesOptions, imapBytes } from "./imap-bytes.js";
export { imapNstring, imapNstringNolf, imapString, imapStringForHumans } from "./imap-quote.js";
export { encodeLocalPart, readQuotedString, splitAddress } from "./local-part.js";
export { paramValue } from "./param-value.js";
export { MimeParser, type MimeParserOptions, parseMime, parseMimeStream } from "./parser.js";
export type { MimeParam } from "./rfc2231.js";
export { locateSection, partAt, type SectionRange, type SectionText } from "./section.js";
export { deserializeMime, serializeMime } from "./serialize.js";
export {
  type Envelope,
  type EnvelopeFields,
  type MimePart,
  type PartData,
  PartFlag,
  type Size,
} from "./types.js";
