// RFC 6609: include, return and global.
import type { Extension } from "../extension.js";
import { SieveRuntimeError } from "../result.js";
import type { Runtime } from "../runtime.js";
import { type CompiledScript, stringsOf } from "../runtime.js";
import { globalNames } from "./variables.js";

interface IncludeState {
  /** Scripts currently running, outermost first (`global:name`). */
  active: string[];
  /** Scripts included so far (for :once and the total limit). */
  included: Set<string>;
  count: number;
  compiled: Map<string, CompiledScript>;
}

function state(rt: Runtime): IncludeState {
  let s = rt.shared.get("include") as IncludeState | undefined;
  if (s === undefined) {
    // Created by the first include, which runs in the main script: it is the outermost one.
    s = { active: [`personal:${rt.scope.name}`], included: new Set(), count: 0, compiled: new Map() };
    rt.shared.set("include", s);
  }
  return s;
}

/** RFC 6609 §3.2: a script name is a plain name, not a path. */
function validName(name: string): boolean {
  return name !== "" && !name.includes("/") && name !== "." && name !== ".." && !/[\0-\x1f\x7f]/.test(name);
}

async function load(
  rt: Runtime,
  name: string,
  location: "personal" | "global",
  line: number,
): Promise<CompiledScript | null> {
  const key = `${location}:${name}`;
  const s = state(rt);
  const cached = s.compiled.get(key);
  if (cached !== undefined) return cached;
  const source = await rt.env.loadScript(name, location);
  if (source === null) return null;
  const result = rt.hooks.compile(source, name);
  if (!result.ok) {
    const first = result.errors[0]!;
    throw new SieveRuntimeError(
      `failed to compile included ${location} script '${name}': line ${first.pos.line}: ${first.message}`,
      line,
    );
  }
  s.compiled.set(key, result.script);
  return result.script;
}

export const include: Extension = {
  name: "include",
  commands: [
    {
      name: "include",
      type: "command",
      positional: ["string"],
      tags: [
        { name: ":personal", group: "location" },
        { name: ":global", group: "location" },
        { name: ":once" },
        { name: ":optional" },
      ],
      validate(node, v) {
        const name = stringsOf(node.positional[0])[0] ?? "";
        const pos = node.positional[0]!.pos;
        if (name.includes("${")) return;
        if (!validName(name)) {
          v.error(pos, `include: invalid script name '${name}'`);
          return;
        }
        // When the scripts can be read now, check them now, as Pigeonhole does; delivery
        // checks again at run time.
        const includes = v.includes();
        if (includes === null) return;
        const location = node.tags.has(":global") ? "global" : "personal";
        const source = includes.load(name, location);
        if (source === null) {
          if (!node.tags.has(":optional"))
            v.error(pos, `included ${location} script '${name}' does not exist`);
          return;
        }
        const result = includes.compile(source, name, `${location}:${name}`);
        if (result === "cycle") v.error(pos, `circular include of ${location} script '${name}'`);
        else if (!result.ok) {
          const first = result.errors[0]!;
          v.error(
            pos,
            `failed to compile included ${location} script '${name}': line ${first.pos.line}: ${first.message}`,
          );
        }
      },
      async execute(node, rt) {
        const name = rt.string(node, 0);
        const location = node.tags.has(":global") ? "global" : "personal";
        const line = node.pos.line;
        if (!validName(name)) throw new SieveRuntimeError(`include: invalid script name '${name}'`, line);
        const key = `${location}:${name}`;
        const s = state(rt);
        if (node.tags.has(":once") && s.included.has(key)) return undefined;
        // RFC 6609 §3.2: including a script that is already running is an error.
        if (s.active.includes(key)) {
          throw new SieveRuntimeError(`include: circular include of ${location} script '${name}'`, line);
        }
        if (s.active.length > rt.config.maxIncludeDepth) {
          throw new SieveRuntimeError(`include: nesting too deep (max ${rt.config.maxIncludeDepth})`, line);
        }
        if (++s.count > rt.config.maxIncludes) {
          throw new SieveRuntimeError(
            `include: too many included scripts (max ${rt.config.maxIncludes})`,
            line,
          );
        }
        const script = await load(rt, name, location, line);
        if (script === null) {
          if (node.tags.has(":optional")) return undefined;
          throw new SieveRuntimeError(`include: ${location} script '${name}' does not exist`, line);
        }
        s.included.add(key);
        s.active.push(key);
        rt.trace(line, `include command; include ${location} script '${name}'`);
        try {
          const signal = await rt.hooks.runScript(script);
          return signal?.kind === "stop" ? signal : undefined;
        } finally {
          s.active.pop();
        }
      },
    },
    {
      name: "return",
      type: "command",
      execute(node, rt) {
        rt.trace(node.pos.line, "return command");
        return { kind: "return" };
      },
    },
    {
      name: "global",
      type: "command",
      positional: ["strings"],
      validate(node, v) {
        if (!v.has("variables")) v.error(node.pos, "the global command requires the variables extension");
        for (const name of stringsOf(node.positional[0])) {
          if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name))
            v.error(node.positional[0]!.pos, `invalid variable name '${name}'`);
        }
      },
      execute(node, rt) {
        for (const name of stringsOf(node.positional[0])) globalNames(rt).add(name.toLowerCase());
        return undefined;
      },
    },
  ],
};
