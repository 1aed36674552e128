// The syntax trees of a user's own Sieve script, kept on disk in ~/.loft/sieve-cache (as Pigeonhole
// keeps a compiled .svbin beside the script): loft-lda, one process per message, would otherwise
// parse the script at every delivery. Keyed by the script's text (and Loft's build), so an edited
// script is parsed again. Only for a script its user owns: the user can write the cache, and must
// not be able to change a script somebody else keeps for them.
import { statSync } from "node:fs";
import { join } from "node:path";
import { cacheKey, cacheName, readCache, writeCache } from "../cache-file/index.js";
import type { ParseCache, Script } from "../sieve/index.js";

/** The cache for `script`; it stands aside (misses, keeps nothing) when the script is not the user's. */
export function scriptParseCache(
  script: string,
  home: string,
  owner: { uid?: number | undefined; gid?: number | undefined },
): ParseCache {
  const dir = join(home, ".loft", "sieve-cache");
  const file = (source: string) => join(dir, `${cacheName(source)}.json`);
  // Looked at only when the engine has no compiled form in memory (the first delivery of a process).
  let usable: boolean | undefined;
  const ownScript = () => {
    if (usable === undefined) {
      const uid = owner.uid ?? process.geteuid?.();
      try {
        usable = home !== "" && uid !== undefined && statSync(script).uid === uid;
      } catch {
        usable = false;
      }
    }
    return usable;
  };
  return {
    get: (source) =>
      ownScript() ? readCache<Script>(file(source), cacheKey("sieve-syntax", source)) : undefined,
    put: (source, tree) => {
      if (ownScript()) writeCache(file(source), cacheKey("sieve-syntax", source), tree, owner);
    },
  };
}
