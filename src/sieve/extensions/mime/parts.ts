// The MIME parts foreverypart walks: the message and then every descendant, depth first.
import type { MimePart, SieveMessage } from "../../message.js";

export function descendants(part: MimePart, out: MimePart[] = []): MimePart[] {
  for (const child of part.children) {
    out.push(child);
    descendants(child, out);
  }
  return out;
}

/** A loop's parts: at the top the message itself and all its parts; nested, the current part's. */
export function loopParts(message: SieveMessage, current: MimePart | null): MimePart[] {
  return current === null ? [message.root, ...descendants(message.root)] : descendants(current);
}
