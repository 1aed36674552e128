import type { Mailbox, MessageStructure } from "../../store/index.js";

/** Messages whose cached structures are read with one query. */
const BATCH = 256;

/**
 * The cached MIME structures of a run of messages, read a batch at a time as a command walks
 * them in UID order: one query per batch instead of several per message, and never every
 * structure of a big mailbox in memory at once.
 */
export class StructureBatches {
  private end = 0;
  private structures = new Map<number, MessageStructure>();

  constructor(
    private readonly mailbox: Mailbox,
    /** False when only ENVELOPE and BODYSTRUCTURE texts are needed, not the MIME trees. */
    private readonly tree = true,
  ) {}

  /** The batch holding position `i` of `list` (UIDs, or messages with a UID, ascending). */
  at(list: ArrayLike<number | { uid: number }>, i: number): ReadonlyMap<number, MessageStructure> {
    if (i >= this.end) {
      const last = Math.min(list.length, i + BATCH) - 1;
      const uidOf = (n: number) => {
        const item = list[n]!;
        return typeof item === "number" ? item : item.uid;
      };
      this.structures = this.mailbox.structures(uidOf(i), uidOf(last), this.tree);
      this.end = last + 1;
    }
    return this.structures;
  }
}
