import type { CommandSpec } from "../command-context.js";
import { StructureBatches } from "../fetch/structure-batches.js";
import { type EsearchResult, esearchResponse, searchResponse } from "../protocol/index.js";
import {
  Candidate,
  matches,
  readsFiles,
  type SearchScope,
  usesCachedHeaders,
  usesModseq,
} from "../search/evaluate.js";

/** RFC 3501 §6.4.4: UTF-8 and US-ASCII (which UTF-8 covers); search strings are then UTF-8. */
const CHARSETS = new Set(["UTF-8", "US-ASCII"]);

/** SEARCH (RFC 3501 §6.4.4), ESEARCH's RETURN options (RFC 4731), CONDSTORE's MODSEQ. */
export const search: CommandSpec<"SEARCH"> = {
  states: ["selected"],
  async run(ctx, command, tag) {
    const selected = ctx.selected!;
    if (command.charset !== null && !CHARSETS.has(command.charset.toUpperCase()))
      return {
        status: "NO",
        text: `Unsupported charset ${command.charset}`,
        code: { name: "BADCHARSET", args: [[...CHARSETS].map((atom) => ({ atom }))] },
      };
    const modseq = usesModseq(command.criteria);
    if (modseq) ctx.condstore = true;
    const scope: SearchScope = {
      selected,
      text: (s) => Buffer.from(s, "latin1").toString("utf8"),
      now: Date.now(),
      saved: ctx.savedSearch,
    };
    const cached = usesCachedHeaders(command.criteria) ? selected.mailbox.cachedHeaders() : undefined;
    const structures = readsFiles(command.criteria) ? new StructureBatches(selected.mailbox) : undefined;
    const found: number[] = [];
    let highest = 0;
    const messages = selected.mailbox.messages();
    for (let i = 0; i < messages.length; i++) {
      const info = messages[i]!;
      const roots = structures?.at(messages, i);
      const seq = selected.seqOf(info.uid);
      if (seq === 0) continue;
      if (
        !(await matches(
          command.criteria,
          new Candidate(info, seq, selected.mailbox, cached?.get(info.uid), roots?.get(info.uid)),
          scope,
        ))
      )
        continue;
      found.push(command.uid ? info.uid : seq);
      if (info.modseq > highest) highest = info.modseq;
    }
    const options = command.returnOptions;
    if (options === null) {
      ctx.send(searchResponse(found, modseq && found.length > 0 ? BigInt(highest) : null));
      return { status: "OK", text: "Search completed." };
    }
    if (options.includes("SAVE")) {
      ctx.savedSearch = command.uid ? found : found.map((seq) => selected.uidAt(seq)!);
      // RFC 5182 §2.4: SAVE alone asks for no ESEARCH response.
      if (options.length === 1) return { status: "OK", text: "Search completed." };
    }
    const result: EsearchResult = {};
    if (options.includes("MIN") && found.length > 0) result.min = found[0]!;
    if (options.includes("MAX") && found.length > 0) result.max = found[found.length - 1]!;
    if (options.includes("ALL")) result.all = found;
    if (options.includes("COUNT")) result.count = found.length;
    if (modseq && found.length > 0) result.modseq = BigInt(highest);
    ctx.send(esearchResponse(tag, command.uid, result));
    return { status: "OK", text: "Search completed." };
  },
};
