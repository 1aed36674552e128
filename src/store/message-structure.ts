import { bodystructure, envelope, type MimePart } from "../mime/index.js";

/**
 * A message's MIME structure as the index caches it, with its ENVELOPE and BODYSTRUCTURE texts.
 * Messages never change, so the texts are made once (at save, or when the message is first parsed)
 * and a FETCH of them is a read of the index. The tree is parsed from its JSON only when asked for.
 */
export class MessageStructure {
  private tree: MimePart | undefined;
  private envelopeText: string | undefined;
  private bodystructureText: string | undefined;

  private constructor(
    private readonly json: string | null | undefined,
    tree: MimePart | undefined,
    envelopeText: string | null,
    bodystructureText: string | null,
  ) {
    this.tree = tree;
    this.envelopeText = envelopeText ?? undefined;
    this.bodystructureText = bodystructureText ?? undefined;
  }

  static of(root: MimePart): MessageStructure {
    return new MessageStructure(undefined, root, null, null);
  }

  /** From index columns; texts missing (rows cached before they were) are made from the tree. */
  static cached(
    json: string | null,
    envelopeText: string | null,
    bodystructureText: string | null,
  ): MessageStructure {
    return new MessageStructure(json, undefined, envelopeText, bodystructureText);
  }

  get root(): MimePart {
    if (this.tree === undefined) {
      if (this.json == null) throw new Error("MIME structure read without its tree");
      this.tree = JSON.parse(this.json) as MimePart;
    }
    return this.tree;
  }

  /** ENVELOPE as IMAP writes it: a binary string (latin1, one char per byte). */
  get envelope(): string {
    this.envelopeText ??= envelope(this.root);
    return this.envelopeText;
  }

  /** The extended BODYSTRUCTURE, a binary string like envelope. */
  get bodystructure(): string {
    this.bodystructureText ??= bodystructure(this.root, true);
    return this.bodystructureText;
  }
}

/** The index columns of a parsed message's structure. */
export interface StructureColumns {
  mime: string;
  envelope: string;
  bodystructure: string;
}

export function structureColumns(root: MimePart): StructureColumns {
  return { mime: JSON.stringify(root), envelope: envelope(root), bodystructure: bodystructure(root, true) };
}
