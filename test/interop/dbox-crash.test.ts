/**
 * Two Loft processes saving into one sdbox or mdbox mailbox, both SIGKILLed at random moments, again
 * and again: every message a saver acknowledged is there under the UID it was given, no UID is
 * given twice, and Dovecot's rebuild afterwards (following a purge for mdbox, which also drops
 * records whose saver died before the map had them, and cuts off a record a saver died writing)
 * sees exactly the messages Loft sees.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { openUserStore } from "../../src/store/index.js";
import { type DovecotPeer, MAIL_GID, MAIL_UID, makeDovecotPeer } from "./dovecot-peer.js";

async function text(stream: Readable): Promise<string> {
  let out = "";
  for await (const chunk of stream) out += (chunk as Buffer).toString("latin1");
  return out;
}

/**
 * Every other message reaches the saver in two parts this far apart, so that most kills find a
 * record half written (the rest find one written but not yet in the map, or between saves).
 */
const PAUSE_MS = 40;

/** Runs a saver until killed after `ms`; returns marker → UID for the saves it reported. */
async function saverKilledAfter(home: string, location: string, first: number, ms: number) {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(import.meta.dirname, "crash-saver.ts"),
      home,
      location,
      String(MAIL_UID),
      String(MAIL_GID),
      String(first),
      String(PAUSE_MS),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const saved = new Map<number, number>();
  let buffer = "";
  let ready = false;
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split("\n");
    buffer = lines.pop()!;
    for (const line of lines) {
      if (line === "ready") ready = true;
      const match = /^saved (\d+) (\d+)$/.exec(line);
      if (match) saved.set(Number(match[2]), Number(match[1]));
    }
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const deadline = Date.now() + 20_000;
  while (!ready && Date.now() < deadline && child.exitCode === null) await sleep(20);
  await sleep(ms);
  child.kill("SIGKILL");
  await exited;
  return saved;
}

for (const format of ["sdbox", "mdbox"] as const) {
  describe(`${format} under SIGKILL`, () => {
    const peers: DovecotPeer[] = [];
    after(() => {
      for (const p of peers) p.cleanup();
    });

    it("loses no acknowledged message and repeats no UID; Dovecot agrees afterwards", async () => {
      const location = `${format}:~/${format}`;
      const peer = makeDovecotPeer(location);
      peers.push(peer);
      const saved = new Map<number, number>();
      for (let round = 0; round < 4; round++) {
        const pair = await Promise.all(
          [0, 1].map((k) =>
            saverKilledAfter(
              peer.home,
              location,
              round * 1_000_000 + k * 100_000 + 1,
              200 + Math.random() * 500,
            ),
          ),
        );
        for (const got of pair) for (const [marker, uid] of got) saved.set(marker, uid);
      }
      assert.ok(saved.size > 10, `saved ${saved.size}`);
      const uids = [...saved.values()];
      assert.equal(new Set(uids).size, uids.length, "no UID given twice");
      const store = await openUserStore(peer.storeOptions({ indexPath: join(peer.dir, "fresh.sqlite") }));
      let count: number;
      let guids: string[];
      try {
        const inbox = await store.openMailbox("INBOX");
        for (const [marker, uid] of saved) {
          assert.ok(inbox.message(uid), `UID ${uid} (marker ${marker}) is there`);
          assert.match(await text(await inbox.read(uid)), new RegExp(`^marker ${marker}\\r\\n`, "m"));
        }
        if (format === "mdbox") await store.purge();
        count = inbox.uids().length;
        guids = inbox.messages().map((m) => m.guid);
      } finally {
        store.close();
      }
      await peer.doveadm(["force-resync", "*"]);
      const rows = await peer.fetch(["mailbox", "INBOX"]);
      const theirs = rows.map((r) => r.guid);
      assert.equal(rows.length, count, "Dovecot sees the same number of messages");
      assert.deepEqual(theirs.sort(), guids.sort());
    });
  });
}
