/**
 * Limits the command reader and the grammar enforce. The defaults are Dovecot 2.3's: its
 * `imap_max_line_length` (64 KiB) bounds a command line, and a literal in an ordinary
 * command may be as large as a line (lib-imap imap-parser.c compares it to the same limit).
 */
export interface ReaderLimits {
  /** Longest line (text between line breaks and literals), CRLF excluded. */
  maxLineLength: number;
  /** Largest literal that is buffered in memory as an argument. */
  maxLiteralSize: number;
  /** All buffered bytes of one command together: its lines and buffered literals. */
  maxCommandSize: number;
  /** Largest literal that is streamed to the caller (APPEND's message). */
  maxStreamedLiteralSize: number;
  /** Deepest nesting of parenthesised lists and search-key operators (NOT, OR). */
  maxDepth: number;
  /**
   * Which non-synchronising literals `{n+}` are accepted: any size (LITERAL+, RFC 7888 §3),
   * up to 4096 bytes (LITERAL-, RFC 7888 §4), or none (plain RFC 3501).
   */
  nonSynchronizing: "LITERAL+" | "LITERAL-" | "off";
}

/** RFC 7888 §4: LITERAL- allows non-synchronising literals of at most this many bytes. */
export const LITERAL_MINUS_MAX = 4096;

export const defaultReaderLimits: ReaderLimits = {
  maxLineLength: 65536,
  maxLiteralSize: 65536,
  maxCommandSize: 1024 * 1024,
  maxStreamedLiteralSize: 50 * 1024 * 1024,
  maxDepth: 64,
  nonSynchronizing: "LITERAL+",
};
