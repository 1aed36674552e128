import { type Dirent, readdir } from "node:fs";
import { errnoCode } from "../../errors.js";

/**
 * A directory's entries; none when the directory does not exist (a mailbox tree not made yet).
 * The callback API: fs/promises costs more per call, and loading it is a cost to every loft-lda start.
 */
export function readDirents(dir: string): Promise<Dirent[]> {
  return new Promise((resolve, reject) =>
    readdir(dir, { withFileTypes: true }, (err, entries) => {
      if (err === null) resolve(entries);
      else if (errnoCode(err) === "ENOENT") resolve([]);
      else reject(err);
    }),
  );
}
