import type { CommandSpec } from "../command-context.js";
import { StructureBatches } from "../fetch/structure-batches.js";
import { type EsearchResult, esearchResponse, searchResponse } from "../protocol/index.js";
import {
  Candidate,
  cachedFieldsUsed,
  matches,
  readsFiles,
  type SearchScope,
  usesDetails,
  usesModseq,
} from "../search/evaluate.js";

/** RFC 3501 §6.4.4: UTF-8 and US-ASCII (which UTF-8 covers); search strings are then UTF-8. */
const CHARSETS = new Set(["UTF-8", "US-ASCII"]);

/** A search that reads files (synchronously, see readWhole) lets other sessions run this often. */
const SLICE_MS = 10;

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
    // Each search string is decoded once, not once per message tested.
    const texts = new Map<string, string>();
    const scope: SearchScope = {
      selected,
      text: (s) => {
        let text = texts.get(s);
        if (text === undefined) {
          text = Buffer.from(s, "latin1").toString("utf8");
          texts.set(s, text);
        }
        return text;
      },
      now: Date.now(),
      saved: ctx.savedSearch,
    };
    const mailbox = selected.mailbox;
    const fields = cachedFieldsUsed(command.criteria);
    const cached = fields.size > 0 ? mailbox.cachedHeaders(fields) : undefined;
    const structures = readsFiles(command.criteria) ? new StructureBatches(mailbox) : undefined;
    // Flags and modseqs come from the shared snapshot; index rows only when a key tests sizes or dates.
    const rows = usesDetails(command.criteria)
      ? new Map(mailbox.messages().map((m) => [m.uid, m]))
      : undefined;
    const snapshot = mailbox.snapshot();
    const found: number[] = [];
    let highest = 0;
    let yieldAt = performance.now() + SLICE_MS;
    for (let i = 0; i < snapshot.count; i++) {
      const uid = snapshot.uids[i]!;
      const seq = selected.seqOf(uid);
      if (seq === 0) continue;
      if (structures !== undefined && performance.now() > yieldAt) {
        await new Promise((resolve) => setImmediate(resolve));
        yieldAt = performance.now() + SLICE_MS;
      }
      const modseq = snapshot.modseqAt(i);
      const facts = { uid, flags: snapshot.flagsAt(i), keywords: snapshot.keywordsAt(i), modseq };
      const root = structures?.at(snapshot.uids, i).get(uid)?.root;
      const row = rows === undefined ? undefined : (rows.get(uid) ?? null);
      const candidate = new Candidate(facts, seq, mailbox, cached?.get(uid), root, row);
      if (!(await matches(command.criteria, candidate, scope))) continue;
      found.push(command.uid ? uid : seq);
      if (modseq > highest) highest = modseq;
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
