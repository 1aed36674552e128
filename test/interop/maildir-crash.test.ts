import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { openUserStore } from "../../src/store/index.js";
import { type DovecotPeer, MAIL_GID, MAIL_UID, makeDovecotPeer } from "./dovecot-peer.js";

const KILLS = 20;
const peers: DovecotPeer[] = [];
after(() => {
  for (const p of peers) p.cleanup();
});

/** Runs the saver until a random moment after it is ready, then SIGKILLs it; returns what it reported. */
async function saveUntilKilled(peer: DovecotPeer, firstMarker: number): Promise<Map<number, number>> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(import.meta.dirname, "crash-saver.ts"),
      peer.home,
      peer.mailLocation,
      String(MAIL_UID),
      String(MAIL_GID),
      String(firstMarker),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const saved = new Map<number, number>();
  let buffer = "";
  let ready: () => void;
  const isReady = new Promise<void>((resolve) => {
    ready = resolve;
  });
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split("\n");
    buffer = lines.pop()!;
    for (const line of lines) {
      if (line === "ready") ready();
      const match = /^saved (\d+) (\d+)$/.exec(line);
      if (match) saved.set(Number(match[2]), Number(match[1]));
    }
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  await Promise.race([isReady, exited]);
  await sleep(20 + Math.random() * 300);
  child.kill("SIGKILL");
  await exited;
  return saved;
}

it(`SIGKILL during saves ${KILLS} times loses nothing reported and repeats no UID`, {
  timeout: 300_000,
}, async () => {
  const peer = makeDovecotPeer("maildir:~/Maildir");
  peers.push(peer);
  const reported = new Map<number, number>();
  let marker = 1;
  for (let round = 0; round < KILLS; round++) {
    const saved = await saveUntilKilled(peer, marker);
    for (const [m, uid] of saved) reported.set(m, uid);
    marker += saved.size + 1000;

    const store = await openUserStore(peer.storeOptions());
    try {
      const inbox = await store.openMailbox("INBOX");
      const messages = inbox.messages();
      const uids = messages.map((m) => m.uid);
      assert.equal(new Set(uids).size, uids.length, `round ${round}: no repeated UID`);
      // No partial message is visible: every message is complete.
      const texts = new Map<number, string>();
      for (const message of messages) {
        let text = "";
        for await (const chunk of await inbox.read(message.uid)) text += chunk;
        assert.ok(text.endsWith("END\r\n"), `UID ${message.uid} complete`);
        assert.equal(Buffer.byteLength(text), message.vsize);
        texts.set(message.uid, text);
      }
      for (const [m, uid] of reported) {
        const text = texts.get(uid);
        assert.ok(text !== undefined, `round ${round}: marker ${m} reported as UID ${uid} is there`);
        assert.ok(text.startsWith(`Subject: crash ${m}\r\n\r\nmarker ${m}\r\n`), `UID ${uid} is marker ${m}`);
      }
      const dovecot = await peer.fetch(["mailbox", "INBOX"]);
      assert.deepEqual(
        dovecot.map((r) => [r.uid, r.guid]),
        messages.map((m) => [m.uid, m.guid]),
        `round ${round}: Dovecot lists the same`,
      );
    } finally {
      store.close();
    }
  }
  assert.ok(reported.size > KILLS, `saves happened between kills (${reported.size})`);
  // Leftovers of killed saves stay in tmp/ only, where nobody reads them.
  assert.ok(readdirSync(join(peer.home, "Maildir", "tmp")).length <= KILLS);
});
