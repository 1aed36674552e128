/** Longest script name, in bytes (Pigeonhole refuses longer ones too). */
export const MAX_SCRIPT_NAME_BYTES = 255;

/**
 * Why a script name cannot be used, or null. RFC 5804 §1.6 forbids control characters
 * (C0, DEL, C1, U+2028, U+2029); '/' would leave the script directory.
 */
export function scriptNameProblem(name: string): string | null {
  if (name === "") return "empty script name";
  if (Buffer.byteLength(name, "utf8") > MAX_SCRIPT_NAME_BYTES) return "script name is too long";
  if (/[\0-\x1f\x7f-\x9f\u2028\u2029/]/u.test(name)) return "invalid script name";
  if (name === "." || name === "..") return "invalid script name";
  if (name.normalize("NFC") !== name) return "script name is not in Unicode normalization form C";
  return null;
}
