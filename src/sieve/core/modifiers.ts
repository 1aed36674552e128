import type { SieveAction } from "../actions.js";
import type { CompiledNode } from "../extension.js";
import type { Runtime } from "../runtime.js";

/** Lets the tags on a command (`:copy`, `:flags`, `:create`, …) shape the action it creates. */
export async function applyActionTags(action: SieveAction, node: CompiledNode, rt: Runtime): Promise<void> {
  for (const tag of node.tagSpecs) await tag.modifyAction?.(action, node, rt);
}
