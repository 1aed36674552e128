// RFC 5703 §7: extracttext stores the current MIME part's text in a variable.
import type { Extension } from "../../extension.js";
import { decodedText } from "../../message.js";
import { stringsOf } from "../../runtime.js";
import { htmlToText } from "../html-text.js";
import { setModifiers, setVariable } from "../variables.js";

export const extracttext: Extension = {
  name: "extracttext",
  needs: ["variables", "foreverypart"],
  commands: [
    {
      name: "extracttext",
      type: "command",
      positional: ["string"],
      tags: [{ name: ":first", param: "number" }, ...setModifiers],
      validate(node, v) {
        if (!v.ancestors.some((a) => a.name === "foreverypart")) {
          v.error(node.pos, "the extracttext command is only allowed inside a foreverypart loop");
        }
      },
      execute(node, rt) {
        const part = rt.currentPart;
        let text = "";
        if (part !== null && part.contentType.type === "text") {
          text = decodedText(part);
          if (part.contentType.subtype === "html") text = htmlToText(text);
        }
        const first = rt.tagNumber(node, ":first");
        if (first !== null) text = Array.from(text).slice(0, first).join("");
        const modifiers = node.tagSpecs.flatMap((t) => (t.setModifier ? [t.setModifier] : []));
        modifiers.sort((a, b) => b.precedence - a.precedence);
        for (const m of modifiers) text = m.apply(text);
        setVariable(rt, stringsOf(node.positional[0])[0] ?? "", text, node.pos.line);
        return undefined;
      },
    },
  ],
};
