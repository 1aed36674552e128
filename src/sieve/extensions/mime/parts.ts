// The MIME parts foreverypart walks: the message and then every descendant, depth first.
import type { MimePart } from "../../message.js";
import type { Runtime } from "../../runtime.js";

export function descendants(part: MimePart, out: MimePart[] = []): MimePart[] {
  for (const child of part.children) {
    out.push(child);
    descendants(child, out);
  }
  return out;
}

/** The loop's parts: at the top the message itself and all its parts; nested, the current part's. */
export function loopParts(rt: Runtime): MimePart[] {
  return rt.currentPart === null
    ? [rt.message.root, ...descendants(rt.message.root)]
    : descendants(rt.currentPart);
}
