import type { ArgCursor } from "./arg-cursor.js";
import type { BareCommandName, Command } from "./command-types.js";

/** Grammar of the commands on the connection itself (RFC 3501 §6.1, §6.2 and extensions). */

export function parseNoArgs(c: ArgCursor, name: BareCommandName): Command {
  c.end();
  return { name };
}

/** authenticate = "AUTHENTICATE" SP auth-type [SP (base64 / "=")] (RFC 4959 §7) */
export function parseAuthenticate(c: ArgCursor): Command {
  c.sp();
  const mechanism = c.atom().toUpperCase();
  let initialResponse: string | null = null;
  if (c.moreArgs()) {
    const ir = c.atom();
    if (ir !== "=" && !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(ir))
      c.fail("Invalid base64 in initial response");
    initialResponse = ir === "=" ? "" : ir;
  }
  c.end();
  return { name: "AUTHENTICATE", mechanism, initialResponse };
}

export function parseLogin(c: ArgCursor): Command {
  c.sp();
  const username = c.astring();
  c.sp();
  const password = c.astring();
  c.end();
  return { name: "LOGIN", username, password };
}

/** id = "ID" SP id-params-list; id-params-list = "(" *(string SP nstring) ")" / nil (RFC 2971) */
export function parseId(c: ArgCursor): Command {
  c.sp();
  if (c.tryKeyword("NIL")) {
    c.end();
    return { name: "ID", params: null };
  }
  c.openList();
  const params: Array<[string, string | null]> = [];
  if (!c.listEmpty()) {
    do {
      const key = c.string();
      c.sp("Invalid arguments");
      params.push([key, c.nstring()]);
    } while (!c.listNext());
  }
  c.end();
  return { name: "ID", params };
}

/** enable = "ENABLE" 1*(SP capability) (RFC 5161) */
export function parseEnable(c: ArgCursor): Command {
  const capabilities: string[] = [];
  c.sp();
  do capabilities.push(c.atom().toUpperCase());
  while (c.moreArgs());
  return { name: "ENABLE", capabilities };
}
