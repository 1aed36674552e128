import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { openUserStore } from "../../src/store/index.js";

const dir = mkdtempSync(join(tmpdir(), "loft-processes-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the crash test's saver for a while; returns marker → UID as it reported them. */
async function saver(home: string, firstMarker: number, ms: number): Promise<Map<number, number>> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(import.meta.dirname, "..", "interop", "crash-saver.ts"),
      home,
      "maildir:~/Maildir",
      String(process.getuid!()),
      String(process.getgid!()),
      String(firstMarker),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const saved = new Map<number, number>();
  let firstSave: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    firstSave = resolve;
  });
  let buffer = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split("\n");
    buffer = lines.pop()!;
    for (const line of lines) {
      const match = /^saved (\d+) (\d+)$/.exec(line);
      if (match) saved.set(Number(match[2]), Number(match[1]));
      if (match) firstSave();
    }
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  // The window starts at the first save: start-up on a loaded machine can take seconds.
  await Promise.race([started, exited, sleep(60_000)]);
  await sleep(ms);
  child.kill("SIGTERM");
  await exited;
  return saved;
}

it("two Loft processes saving into one mailbox share the index without losing or repeating anything", async () => {
  const home = join(dir, "home");
  const [a, b] = await Promise.all([saver(home, 1, 3000), saver(home, 1_000_000, 3000)]);
  assert.ok(a.size > 0 && b.size > 0, `both saved (${a.size}, ${b.size})`);
  const uids = [...a.values(), ...b.values()];
  assert.equal(new Set(uids).size, uids.length, "no UID given twice");

  const store = await openUserStore({ user: "u", home, mailLocation: "maildir:~/Maildir" });
  try {
    const inbox = await store.openMailbox("INBOX");
    const shared = inbox.messages().map((m) => [m.uid, m.guid, m.flags.join(" ")]);
    for (const uid of uids) assert.ok(inbox.message(uid), `UID ${uid} in the shared index`);
    // The shared index says what a fresh read of the files says.
    await store.rebuildIndex();
    const rebuilt = (await store.openMailbox("INBOX"))
      .messages()
      .map((m) => [m.uid, m.guid, m.flags.join(" ")]);
    assert.deepEqual(rebuilt, shared);
    assert.equal((await store.quota()).messages, shared.length);
  } finally {
    store.close();
  }
});
