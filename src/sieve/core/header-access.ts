// How tests read the message: header values (through the tags that change where they come
// from), addresses, and the matching of extracted values against keys.
import { type ParsedAddress, parseAddressList } from "../address.js";
import type { CompiledNode } from "../extension.js";
import { decodeHeaderValue, headerValues, unfold } from "../message.js";
import type { Runtime } from "../runtime.js";

/** Raw (undecoded) values of the named header fields, after `:mime`/`:index` style tags. */
export function rawHeaderValues(
  node: CompiledNode,
  rt: Runtime,
  names: string[],
): { name: string; raw: string }[] {
  let sources = [rt.headers];
  for (const tag of node.tagSpecs) if (tag.headerSources) sources = tag.headerSources(node, rt);
  const out: { name: string; raw: string }[] = [];
  for (const name of names) {
    for (const source of sources) {
      let values = headerValues(source, name);
      for (const tag of node.tagSpecs)
        if (tag.selectOccurrences) values = tag.selectOccurrences(values, node, rt);
      for (const raw of values) out.push({ name, raw });
    }
  }
  return out;
}

function plainDecoded(rt: Runtime, name: string): string[] {
  const key = name.toLowerCase();
  let values = rt.decodedCache.get(key);
  if (values === undefined) {
    values = headerValues(rt.headers, key).map(decodeHeaderValue);
    rt.decodedCache.set(key, values);
  }
  return values;
}

/** Decoded header values as the header test compares them (RFC 5228 §5.7). */
export function decodedHeaderValues(node: CompiledNode, rt: Runtime, names: string[]): string[] {
  const out: string[] = [];
  // Without tags that change the source or the occurrences, the per-run cache answers.
  if (node.tagSpecs.every((t) => !t.headerSources && !t.selectOccurrences && !t.mapValues)) {
    for (const name of names) out.push(...plainDecoded(rt, name));
    return out;
  }
  for (const name of names) {
    let values = rawHeaderValues(node, rt, [name]).map((v) => decodeHeaderValue(v.raw));
    for (const tag of node.tagSpecs) if (tag.mapValues) values = tag.mapValues(name, values, node, rt);
    out.push(...values);
  }
  return out;
}

function parseRawAddresses(raw: string, out: ParsedAddress[]): void {
  const text = Buffer.from(unfold(raw), "latin1").toString("utf8");
  for (const a of parseAddressList(text)) {
    out.push(a.localpart === null ? { ...a, address: decodeHeaderValue(a.address) } : a);
  }
}

/** Addresses in the named header fields. */
export function headerAddresses(node: CompiledNode, rt: Runtime, names: string[]): ParsedAddress[] {
  const out: ParsedAddress[] = [];
  if (node.tagSpecs.every((t) => !t.headerSources && !t.selectOccurrences)) {
    for (const name of names) {
      const key = name.toLowerCase();
      let list = rt.addressCache.get(key);
      if (list === undefined) {
        list = [];
        for (const raw of headerValues(rt.headers, key)) parseRawAddresses(raw, list);
        rt.addressCache.set(key, list);
      }
      out.push(...list);
    }
    return out;
  }
  for (const { raw } of rawHeaderValues(node, rt, names)) parseRawAddresses(raw, out);
  return out;
}

/** The address part each address contributes (`:localpart`, `:domain`, …); null parts drop out. */
export function addressPartValues(node: CompiledNode, rt: Runtime, addresses: ParsedAddress[]): string[] {
  const part = node.addressPart;
  const out: string[] = [];
  for (const a of addresses) {
    const value = part === null ? a.address : part.extract(a, rt);
    if (value !== null) out.push(value);
  }
  return out;
}

/** Applies the node's match type and comparator to extracted values and its key list. */
export function matchValues(node: CompiledNode, rt: Runtime, values: string[], keys: string[]): boolean {
  const matchType = node.matchType;
  const comparator = node.comparator;
  if (matchType === null || comparator === null) return false;
  rt.checkDeadline(node.pos.line);
  return matchType.match(
    values,
    keys,
    comparator,
    node.matchParam === null ? null : rt.expand(node.matchParam),
    {
      runtime: rt,
      setMatchValues: (v) => rt.scope.onMatch?.(v),
    },
  );
}
