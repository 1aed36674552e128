import { z } from "zod";
import { configSchema } from "./schema.js";

interface JsonSchemaNode {
  type?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchemaNode>;
}

/** The config reference as a Markdown table, generated from the schema (the README embeds it). */
export function configReference(): string {
  const rows: string[] = ["| key | default | meaning |", "| --- | --- | --- |"];
  const walk = (node: JsonSchemaNode, prefix: string) => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const name = prefix ? `${prefix}.${key}` : key;
      if (child.type === "object" && child.properties) walk(child, name);
      else rows.push(`| \`${name}\` | \`${JSON.stringify(child.default)}\` | ${child.description ?? ""} |`);
    }
  };
  walk(z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as JsonSchemaNode, "");
  return rows.join("\n");
}
