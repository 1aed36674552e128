// RFC 7352: the duplicate test. The engine only asks whether an id was seen; the id to record
// goes into the result's tracking list, for delivery to store once the message is delivered.
import { createHash } from "node:crypto";
import { checkHeaderNames } from "../core/language.js";
import type { Extension } from "../extension.js";
import { decodeHeaderValue, headerValues } from "../message.js";

/** Pigeonhole's sieve_duplicate_default_period. */
const DEFAULT_SECONDS = 14 * 86400;

export const duplicate: Extension = {
  name: "duplicate",
  commands: [
    {
      name: "duplicate",
      type: "test",
      tags: [
        { name: ":handle", param: "string" },
        { name: ":header", param: "string", group: "id source" },
        { name: ":uniqueid", param: "string", group: "id source" },
        { name: ":seconds", param: "number" },
        { name: ":last" },
      ],
      validate(node, v) {
        const header = node.tags.get(":header");
        if (header?.kind === "strings") {
          checkHeaderNames({ ...node, positional: [header] }, 0, v);
        }
      },
      async evaluate(node, rt) {
        let id: string | null;
        const header = rt.tagString(node, ":header");
        if (header !== null) id = headerValues(rt.headers, header).map(decodeHeaderValue)[0] ?? null;
        else
          id =
            rt.tagString(node, ":uniqueid") ??
            headerValues(rt.headers, "message-id").map(decodeHeaderValue)[0] ??
            null;
        // RFC 7352 §3.1: without an id (no such header) the test is false and nothing is tracked.
        if (id === null) return false;
        if (header !== null || !node.tags.has(":uniqueid")) id = id.trim();
        const handle = rt.tagString(node, ":handle") ?? "";
        const seconds = rt.tagNumber(node, ":seconds") ?? DEFAULT_SECONDS;
        const key = createHash("sha256")
          .update(`${handle}\0${header ?? ""}\0${id}`)
          .digest("hex");
        const seen = await rt.env.duplicateSeen(key, seconds);
        // With :last the period restarts at every occurrence; without it only a new id is recorded.
        if (!seen || node.tags.has(":last")) {
          rt.result.tracking.push({
            kind: "duplicate",
            key,
            seconds,
            listing: handle === "" ? "track duplicate" : `track duplicate with handle: ${handle}`,
            position: rt.result.actions.length,
          });
        }
        return seen;
      },
    },
  ],
};
