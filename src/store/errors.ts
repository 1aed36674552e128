/**
 * Store failures as typed values. The codes are chosen so that protocols can map them directly:
 * most are IMAP response codes (RFC 5530), TEMPFAIL/CORRUPT map to LMTP 4xx / sysexits 75.
 */
export type StoreErrorCode =
  | "NONEXISTENT"
  | "ALREADYEXISTS"
  | "BADNAME"
  | "OVERQUOTA"
  | "EXPUNGED"
  | "LIMIT"
  | "INUSE"
  | "CANNOT"
  | "NOPERM"
  | "TEMPFAIL"
  | "CORRUPT";

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StoreError";
  }
}

export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}

/** Node's fs errors carry a string code; this narrows `unknown` to that shape. */
export function errnoCode(err: unknown): string | undefined {
  if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string") {
    return (err as NodeJS.ErrnoException).code;
  }
  return undefined;
}
