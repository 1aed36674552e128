/**
 * The IMAP wire layer: framing commands off a socket, each command's grammar, and the
 * encoding of responses. Knows nothing of sessions or storage.
 *
 * A session's loop, in outline:
 *   socket "data" → reader.push(chunk); then for each reader.next() event:
 *   - "continue": write continuationRequest() (`+ OK`, Dovecot's text);
 *   - "command": check isKnownCommand() and the state, then parseCommand(raw,
 *     reader.limits.maxDepth); on error write errorResponse(error);
 *   - "literal-start" (APPEND's message): check the mailbox, then write `+ OK` (if
 *     literal.sync) and take "literal-data" chunks until "literal-end", or call
 *     reader.refuseLiteral() and answer NO; the stream ends in a "command" or an "error";
 *   - "error": write errorResponse(error); when error.fatal also `* BYE` and close;
 *   - after IDLE or AUTHENTICATE, call reader.expectLine() and read a "line" event.
 * Pause the socket while a command runs or reader.bufferedBytes grows.
 */
export { CommandReader, type ReaderEvent, type ReaderOptions } from "./command-reader.js";
export type {
  AppendMessage,
  BareCommandName,
  Command,
  CommandName,
  ListReturn,
  ListSelection,
  StatusItem,
} from "./command-types.js";
export { canQuote, encodeValue, encodeValues, type ImapValue } from "./encode-value.js";
export {
  type BodySection,
  FETCH_MACROS,
  type FetchAttribute,
  type FetchMacro,
  type FetchPartial,
  type SimpleFetchItem,
} from "./fetch-grammar.js";
export {
  type FetchItem,
  fetchItemName,
  fetchResponse,
  type ResponsePart,
  StreamedBody,
} from "./fetch-response.js";
export { SYSTEM_FLAGS } from "./flags.js";
export {
  dateTimeToDate,
  formatDate,
  formatDateTime,
  type ImapDate,
  type ImapDateTime,
} from "./imap-date.js";
export { defaultReaderLimits, LITERAL_MINUS_MAX, type ReaderLimits } from "./limits.js";
export { isKnownCommand, type ParseResult, parseCommand } from "./parse-command.js";
export type { ProtocolError } from "./protocol-error.js";
export type { CommandPart, LiteralHeader, RawCommand } from "./raw-command.js";
export {
  continuationRequest,
  errorResponse,
  type ResponseCode,
  type ResponseStatus,
  taggedResponse,
  untagged,
  untaggedStatus,
} from "./response.js";
export { BodySizeMismatchError, writeResponse } from "./response-writer.js";
export type { SearchKey, SearchReturnOption } from "./search-grammar.js";
export { type EsearchResult, esearchResponse, searchResponse } from "./search-response.js";
export {
  expandSequenceSet,
  formatSequenceSet,
  highestExplicit,
  resolveSequenceSet,
  type SeqNumber,
  type SeqRange,
  type SequenceSet,
  sequenceSetText,
} from "./sequence-set.js";
