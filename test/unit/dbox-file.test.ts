import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  fileHeader,
  readFileHeader,
  readRecords,
  unfinishedAppend,
} from "../../src/store/formats/dbox/dbox-file.js";
import { writeRecord } from "../../src/store/formats/dbox/dbox-record-writer.js";
import { parseMailLocation } from "../../src/store/mail-location.js";

const dir = mkdtempSync(join(tmpdir(), "loft-dbox-unit-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** `u.1` as Dovecot 2.3.19 wrote it for `doveadm save` of the same message (hexdumped). */
const DOVECOT_U1 = Buffer.concat([
  Buffer.from("2 M1e C6b15a7c0\n\x01\x02N          000000000000001C\n", "latin1"),
  Buffer.from("From: a@b\nSubject: hi\n\nbody\n"),
  Buffer.from("\n\x01\x03\nR6b15a7c0\nV20\nG5b0aad1ac0a7156b4f20000083ecc375\n\n", "latin1"),
]);

describe("dbox file syntax", () => {
  it("writes a message record byte for byte as Dovecot does (CRLF stored as LF)", async () => {
    const path = join(dir, "u.1");
    const handle = await open(path, "w");
    const header = fileHeader(0x6b15a7c0);
    await handle.write(header);
    const written = await writeRecord(handle, header.length, {
      data: Buffer.from("From: a@b\r\nSubject: hi\r\n\r\nbody\r\n"),
      guid: "5b0aad1ac0a7156b4f20000083ecc375",
      receivedSecs: 0x6b15a7c0,
    });
    await handle.close();
    assert.deepEqual(readFileSync(path), DOVECOT_U1);
    assert.deepEqual(written, { size: 28, vsize: 32, end: DOVECOT_U1.length });
  });

  it("reads every record of an mdbox file, with B, unknown keys and v1 metadata ends", async () => {
    const path = join(dir, "m.1");
    writeFileSync(
      path,
      Buffer.concat([
        DOVECOT_U1.subarray(0, DOVECOT_U1.length - 1),
        Buffer.from("BINBOX\nPuidl-1\nO7\n\n", "latin1"),
        Buffer.from("\x01\x02N          0000000000000002\nx\n\n\x01\x03\nBWork\n \n", "latin1"),
      ]),
    );
    const handle = await open(path, "r");
    const records = [];
    for await (const record of readRecords(handle, path)) records.push(record);
    await handle.close();
    assert.deepEqual(
      records.map((r) => [r.offset, r.size, r.metadata]),
      [
        [
          16,
          28,
          {
            guid: "5b0aad1ac0a7156b4f20000083ecc375",
            receivedSecs: 0x6b15a7c0,
            vsize: 32,
            mailbox: "INBOX",
            other: { P: "uidl-1", O: "7" },
          },
        ],
        [records[0]!.end, 2, { guid: "", receivedSecs: 0, vsize: -1, mailbox: "Work" }],
      ],
    );
  });

  it("refuses a record without the message magic", async () => {
    const path = join(dir, "u.2");
    writeFileSync(path, Buffer.concat([Buffer.from("2 M1e C1\n"), Buffer.alloc(30, 0x20)]));
    const handle = await open(path, "r");
    await assert.rejects(async () => {
      for await (const _ of readRecords(handle, path));
    }, /bad message header/);
    await handle.close();
  });

  it("tells the tail an append cut short leaves from a file broken before more records", async () => {
    const path = join(dir, "m.9");
    const first = Buffer.concat([Buffer.from("2 M1e C1\n"), DOVECOT_U1.subarray(16)]);
    const second = DOVECOT_U1.subarray(16);
    const zeros = Buffer.alloc(30);
    const body = second.subarray(30, 30 + 28);
    const meta = second.subarray(30 + 28);
    const unfinished = async (tail: Buffer) => {
      writeFileSync(path, Buffer.concat([first, tail]));
      const handle = await open(path, "r");
      try {
        return await unfinishedAppend(handle, await readFileHeader(handle, path), first.length);
      } finally {
        await handle.close();
      }
    };
    // A save writes the zero placeholder, the message, the metadata, and the real header last.
    assert.equal(await unfinished(zeros.subarray(0, 12)), true);
    assert.equal(await unfinished(Buffer.concat([zeros, body.subarray(0, 10)])), true);
    assert.equal(await unfinished(Buffer.concat([zeros, body, meta])), true);
    // A purge's copy writes the header first: the record runs into the end of the file.
    assert.equal(await unfinished(second.subarray(0, 40)), true);
    assert.equal(await unfinished(second.subarray(0, second.length - 1)), true);
    // Anything else is more than an unfinished append.
    assert.equal(await unfinished(Buffer.from("garbage that is no header at all")), false);
    assert.equal(await unfinished(Buffer.concat([zeros, body, meta, second])), false);
    const longBody = Buffer.alloc(256 * 1024 + 40, "x");
    for (let at = 256 * 1024 - 40; at < 256 * 1024 + 10; at++) {
      // A header after the break is found wherever it falls, also across the 256 KiB read chunks.
      const tail = Buffer.concat([zeros, longBody.subarray(0, at), Buffer.from("\n"), second]);
      assert.equal(await unfinished(tail), false, `header at ${at}`);
    }
  });

  it("takes ALT= from mail_location, expanded like the root", () => {
    const location = parseMailLocation("mdbox:~/mdbox:ALT=%h/alt", { user: "u", home: "/home/u" });
    assert.equal(location.format, "mdbox");
    assert.equal(location.options.ALT, "/home/u/alt");
  });
});
