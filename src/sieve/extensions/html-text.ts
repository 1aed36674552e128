// A plain-text rendering of HTML for body :text and extracttext (as Pigeonhole's html-to-text).
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1\s*>/gi, "")
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<(br|p|div|tr|li|h[1-6])\b[^>]*>/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, e: string) => {
      if (e[0] === "#") {
        const cp = e[1]?.toLowerCase() === "x" ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
        return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
      }
      return ENTITIES[e.toLowerCase()] ?? whole;
    })
    .replace(/^\s+/, "");
}
