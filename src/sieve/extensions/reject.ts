// RFC 5429: reject (an MDN-style refusal) and ereject (refusal in the SMTP/LMTP dialogue).
import type { JsonValue, SieveAction } from "../actions.js";
import type { CommandSpec, Extension } from "../extension.js";

class RejectAction implements SieveAction {
  readonly role = "other";
  cancelsImplicitKeep = true;

  constructor(
    readonly type: "reject" | "ereject",
    readonly reason: string,
    readonly line: number,
  ) {}

  duplicateKey(): string {
    return "reject";
  }

  /** RFC 5429 §2.1: reject cannot be combined with delivering or answering the message. */
  conflictWith(other: SieveAction): string | null {
    if (other === this) return null;
    const subject = "reject/ereject action conflicts with other action";
    if (other instanceof RejectAction) return "duplicate reject/ereject action not allowed";
    if (other.role === "deliver") {
      return `${subject}: the ${other.type === "redirect" ? "redirect" : "store"} action (line ${other.line}) tries to deliver the message`;
    }
    if (other.role === "respond") {
      return `${subject}: the ${other.type} action (line ${other.line}) also sends a response to the sender`;
    }
    return null;
  }

  /** ereject is a reject refused in the SMTP/LMTP dialogue; the result schema has one reject. */
  toJSON(): { [key: string]: JsonValue } {
    return { action: "reject", reason: this.reason };
  }

  describe(): { text: string; lines: string[] } {
    return { text: `reject message with reason: ${this.reason}`, lines: [] };
  }
}

const command = (name: "reject" | "ereject"): CommandSpec => ({
  name,
  type: "command",
  positional: ["string"],
  execute(node, rt) {
    const reason = rt.string(node, 0);
    rt.trace(node.pos.line, `${name} action`);
    rt.trace(node.pos.line, `reject message with reason \`${reason}'`, 1);
    rt.result.add(new RejectAction(name, reason, node.pos.line));
    return undefined;
  },
});

export const reject: Extension = { name: "reject", commands: [command("reject")] };
export const ereject: Extension = { name: "ereject", commands: [command("ereject")] };
