import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { countBareLineFeeds, countBareLineFeedsSync } from "../../src/store/formats/maildir/maildir-dir.js";
import { tempDir } from "../helpers/cli.js";

test("the CRLF size of a file without W= counts only bare LFs, across read chunks too", async () => {
  const tmp = tempDir();
  try {
    const file = (name: string, text: string) => {
      writeFileSync(join(tmp.dir, name), text, "latin1");
      return join(tmp.dir, name);
    };
    const cases: [string, string, number][] = [
      ["lf", "a\nb\n\nc\n", 4],
      ["crlf", "a\r\nb\r\n\r\nc\r\n", 0],
      ["mixed", "a\r\nb\n\r\r\n", 1],
      ["leading", "\nb", 1],
      // A CR ending one 64 KiB read and its LF starting the next.
      ["split", `${"x".repeat(65535)}\r\ny\n`, 1],
    ];
    for (const [name, text, bare] of cases) {
      const path = file(name, text);
      assert.equal(await countBareLineFeeds(path), bare, `${name}, streamed`);
      assert.equal(countBareLineFeedsSync(path), bare, `${name}, read whole`);
    }
  } finally {
    tmp.remove();
  }
});
