import { encodeString } from "./responses.js";

export interface CapabilityState {
  implementation: string;
  sieveExtensions: string[];
  /** SASL mechanisms usable now; listed only before login. */
  sasl: string[] | null;
  startTls: boolean;
  /** MAXREDIRECTS, listed after login as Pigeonhole does. */
  maxRedirects: number | null;
}

/** The capability lines, in Pigeonhole's order. */
export function capabilityLines(state: CapabilityState): Buffer {
  const lines: [string, string?][] = [
    ["IMPLEMENTATION", state.implementation],
    ["SIEVE", state.sieveExtensions.join(" ")],
  ];
  if (state.sieveExtensions.includes("enotify")) lines.push(["NOTIFY", "mailto"]);
  if (state.sasl !== null) lines.push(["SASL", state.sasl.join(" ")]);
  if (state.startTls) lines.push(["STARTTLS"]);
  if (state.maxRedirects !== null) lines.push(["MAXREDIRECTS", String(state.maxRedirects)]);
  lines.push(["UNAUTHENTICATE"]);
  lines.push(["VERSION", "1.0"]);
  return Buffer.concat(
    lines.map(([key, value]) =>
      Buffer.concat([
        encodeString(key),
        value === undefined ? Buffer.alloc(0) : Buffer.from(" "),
        value === undefined ? Buffer.alloc(0) : encodeString(value),
        Buffer.from("\r\n"),
      ]),
    ),
  );
}
