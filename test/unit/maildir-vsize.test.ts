import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { countBareLineFeeds } from "../../src/store/formats/maildir/maildir-dir.js";
import { tempDir } from "../helpers/cli.js";

test("the CRLF size of a file without W= counts only bare LFs, across read chunks too", async () => {
  const tmp = tempDir();
  try {
    const file = (name: string, text: string) => {
      writeFileSync(join(tmp.dir, name), text, "latin1");
      return join(tmp.dir, name);
    };
    assert.equal(await countBareLineFeeds(file("lf", "a\nb\n\nc\n")), 4);
    assert.equal(await countBareLineFeeds(file("crlf", "a\r\nb\r\n\r\nc\r\n")), 0);
    assert.equal(await countBareLineFeeds(file("mixed", "a\r\nb\n\r\r\n")), 1);
    // A CR ending one 64 KiB read and its LF starting the next.
    assert.equal(await countBareLineFeeds(file("split", `${"x".repeat(65535)}\r\ny\n`)), 1);
  } finally {
    tmp.remove();
  }
});
