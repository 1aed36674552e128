// The set of known extensions. The core language is registered as an extension without a
// capability name (always available); everything else must be required by the script.
import type { AddressPart, CommandSpec, Comparator, Extension, MatchType, TagSpec } from "./extension.js";

export class Registry {
  private readonly byName = new Map<string, Extension>();

  constructor(
    readonly core: Extension,
    extensions: Extension[],
  ) {
    for (const ext of extensions) this.byName.set(ext.name, ext);
  }

  extension(name: string): Extension | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Everything available to a script that required `required` (core first). */
  active(required: Iterable<string>): Extension[] {
    const out = [this.core];
    for (const name of required) {
      const ext = this.byName.get(name);
      if (ext !== undefined) out.push(ext);
    }
    return out;
  }

  /** Which extension defines a command or test of this name (for "did you require …" hints). */
  owner(name: string, type: CommandSpec["type"]): Extension | undefined {
    for (const ext of [this.core, ...this.byName.values()]) {
      if (ext.commands?.some((c) => c.name === name && c.type === type)) return ext;
    }
    return undefined;
  }
}

export function findCommand(
  active: Extension[],
  name: string,
  type: CommandSpec["type"],
): CommandSpec | undefined {
  for (const ext of active) {
    const spec = ext.commands?.find((c) => c.name === name && c.type === type);
    if (spec !== undefined) return spec;
  }
  return undefined;
}

export function tagsFor(active: Extension[], spec: CommandSpec): TagSpec[] {
  const tags = [...(spec.tags ?? [])];
  for (const ext of active) {
    for (const t of ext.tags ?? []) if (t.to.includes(spec.name)) tags.push(t.tag);
  }
  return tags;
}

export function comparators(active: Extension[]): Comparator[] {
  return active.flatMap((e) => e.comparators ?? []);
}

export function matchTypes(active: Extension[]): MatchType[] {
  return active.flatMap((e) => e.matchTypes ?? []);
}

export function addressParts(active: Extension[]): AddressPart[] {
  return active.flatMap((e) => e.addressParts ?? []);
}
