import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { openUserStore } from "../../src/store/index.js";
import { type DovecotPeer, MAIL_GID, MAIL_UID, makeDovecotPeer } from "./dovecot-peer.js";

const KILLS = 8;
const MESSAGES = 300;
const peers: DovecotPeer[] = [];
after(() => {
  for (const p of peers) p.cleanup();
});

/** Runs the expunger until a random moment after it is ready, then SIGKILLs it; returns what it reported. */
async function expungeUntilKilled(peer: DovecotPeer): Promise<Set<number>> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(import.meta.dirname, "mbox-crash-expunger.ts"),
      peer.home,
      peer.mailLocation,
      String(MAIL_UID),
      String(MAIL_GID),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const reported = new Set<number>();
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
      const match = /^expunged (\d+)$/.exec(line);
      if (match) reported.add(Number(match[1]));
    }
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  await Promise.race([isReady, exited]);
  await sleep(30 + Math.random() * 400);
  child.kill("SIGKILL");
  await exited;
  return reported;
}

it(`SIGKILL during mbox expunge rewrites ${KILLS} times loses no message`, { timeout: 280_000 }, async () => {
  const peer = makeDovecotPeer("mbox:~/mail:INBOX=~/inbox");
  peers.push(peer);
  const setup = await openUserStore(peer.storeOptions({ indexPath: ":memory:" }));
  const inbox = await setup.openMailbox("INBOX");
  const filler = `${"x".repeat(76)}\r\n`.repeat(200);
  const subjects = new Map<number, string>();
  for (let i = 0; i < MESSAGES; i++) {
    const { uid } = await inbox.append(Buffer.from(`Subject: crash ${i}\r\n\r\n${filler}end ${i}\r\n`));
    subjects.set(uid, `crash ${i}`);
  }
  setup.close();

  const gone = new Set<number>();
  let rewritesSeen = 0;
  for (let kill = 0; kill < KILLS; kill++) {
    for (const uid of await expungeUntilKilled(peer)) gone.add(uid);
    if (readdirSync(peer.home).some((name) => name.endsWith(".rewrite"))) rewritesSeen++;
    const store = await openUserStore(peer.storeOptions({ indexPath: ":memory:" }));
    try {
      const box = await store.openMailbox("INBOX");
      const present = new Map(box.messages().map((m) => [m.uid, m]));
      for (const [uid, subject] of subjects) {
        if (gone.has(uid)) {
          assert.ok(!present.has(uid), `UID ${uid} was reported expunged but is back`);
        } else if (present.has(uid)) {
          let text = "";
          for await (const chunk of await box.read(uid)) text += chunk;
          assert.equal(text, `Subject: ${subject}\r\n\r\n${filler}end ${subject.slice(6)}\r\n`);
        } else {
          // Only the message being expunged at the kill may be gone without a report.
          assert.ok(!gone.has(uid));
          gone.add(uid);
          assert.equal((uid - 1) % 2, 0, `UID ${uid} vanished although nobody expunged it`);
        }
      }
      assert.equal(present.size, MESSAGES - gone.size);
      const theirs = await peer.fetch(["mailbox", "INBOX"]);
      assert.deepEqual(
        theirs.map((r) => r.uid),
        [...present.keys()],
        "Dovecot reads the same messages",
      );
    } finally {
      store.close();
    }
  }
  assert.ok(gone.size > 0, "the expunger got to work");
  assert.ok(rewritesSeen > 0, "some kill hit a rewrite in progress");
  // The next rewrite clears what the killed ones left.
  const store = await openUserStore(peer.storeOptions({ indexPath: ":memory:" }));
  try {
    const box = await store.openMailbox("INBOX");
    await box.remove([box.uids()[0]!]);
  } finally {
    store.close();
  }
  assert.deepEqual(
    readdirSync(peer.home).filter((name) => name.endsWith(".rewrite") || name.endsWith(".journal")),
    [],
  );
});

it("a rewrite torn by a crash is finished from its journal, keeping what was appended after the crash", async () => {
  const peer = makeDovecotPeer("mbox:~/mail:INBOX=~/inbox");
  peers.push(peer);
  const store = await openUserStore(peer.storeOptions({ indexPath: ":memory:" }));
  const box = await store.openMailbox("INBOX");
  for (let i = 0; i < 3; i++) await box.append(Buffer.from(`Subject: kept ${i}\r\n\r\nbody ${i}\r\n`));
  store.close();
  const file = join(peer.home, "inbox");
  const before = readFileSync(file);
  // What the rewrite meant to write (here: the same messages), complete on disk as its journal...
  writeFileSync(join(peer.home, `.inbox.${before.length}.journal`), before);
  // ...while the copy over the mbox was cut short, and Postfix appended after the crash.
  const torn = Buffer.concat([before.subarray(0, 100), Buffer.alloc(before.length - 100, 0x78)]);
  const appended = "From postfix@example.org Mon Jan  1 10:00:00 2024\nSubject: late\n\nafter the crash\n";
  writeFileSync(file, Buffer.concat([torn, Buffer.from(appended)]));
  const reopened = await openUserStore(peer.storeOptions({ indexPath: ":memory:" }));
  try {
    const inbox = await reopened.openMailbox("INBOX");
    const subjects: string[] = [];
    for (const m of inbox.messages()) {
      let text = "";
      for await (const chunk of await inbox.read(m.uid)) text += chunk;
      subjects.push(/^Subject: (.*)\r$/m.exec(text)?.[1] ?? "");
    }
    assert.deepEqual(subjects, ["kept 0", "kept 1", "kept 2", "late"]);
    assert.deepEqual(
      readdirSync(peer.home).filter((name) => name.endsWith(".journal")),
      [],
    );
  } finally {
    reopened.close();
  }
});
