/**
 * `loft purge` on mdbox: expunged messages' space comes back, the other messages stay readable by
 * Loft and, after `doveadm force-resync`, by Dovecot; a purge cut short between its steps loses
 * nothing. Without a purge, Dovecot's rebuild brings expunged messages back (checked here too,
 * because it is why a purge must come before a hand-over).
 */
import assert from "node:assert/strict";
import { chownSync, cpSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { after, test } from "node:test";
import { writeRecord } from "../../src/store/formats/dbox/dbox-record-writer.js";
import { openUserStore, type UserStore } from "../../src/store/index.js";
import { loft } from "../helpers/cli.js";
import { type DovecotPeer, MAIL_GID, MAIL_UID, makeDovecotPeer } from "./dovecot-peer.js";

const peers: DovecotPeer[] = [];
after(() => {
  for (const p of peers) p.cleanup();
});

async function text(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

function storageFiles(home: string): Map<string, Buffer> {
  const dir = join(home, "mdbox", "storage");
  return new Map(
    readdirSync(dir)
      .filter((n) => /^m\.\d+$/.test(n))
      .map((n) => [n, readFileSync(join(dir, n))]),
  );
}

function totalSize(files: Map<string, Buffer>): number {
  return [...files.values()].reduce((n, b) => n + b.length, 0);
}

/** GUID → stored bytes of every message Loft has, all mailboxes. */
async function loftView(store: UserStore): Promise<Map<string, string>> {
  const view = new Map<string, string>();
  for (const listed of await store.listMailboxes()) {
    if (!listed.selectable) continue;
    const box = await store.openMailbox(listed.name);
    for (const m of box.messages()) view.set(m.guid, await text(await box.read(m.uid, { crlf: false })));
  }
  return view;
}

async function dovecotView(peer: DovecotPeer): Promise<Map<string, string>> {
  await peer.doveadm(["force-resync", "*"]);
  const rows = JSON.parse(await peer.doveadm(["-f", "json", "fetch", "guid text", "all"])) as {
    guid: string;
    text: string;
  }[];
  return new Map(rows.map((r) => [r.guid, r.text]));
}

function chownTree(path: string): void {
  if (process.geteuid?.() !== 0) return;
  chownSync(path, MAIL_UID, MAIL_GID);
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name));
}

test("loft purge reclaims expunged space; what is left stays readable by Loft and Dovecot", async () => {
  const peer = makeDovecotPeer("mdbox:~/mdbox");
  peers.push(peer);
  const options = peer.storeOptions({ mdboxRotateSize: 2048 });
  const store = await openUserStore(options);
  const gone = new Set<string>();
  let kept: Map<string, string>;
  try {
    await store.createMailbox("Work");
    await store.createMailbox("Old");
    for (let i = 0; i < 16; i++) {
      const box = await store.openMailbox(["INBOX", "Work", "Old"][i % 3]!);
      await box.append(Buffer.from(`Subject: m${i}\r\n\r\n${`line ${i}\r\n`.repeat(30)}`));
    }
    const inbox = await store.openMailbox("INBOX");
    const odd = inbox.uids().filter((uid) => uid % 2 === 1);
    for (const uid of odd) gone.add(inbox.message(uid)!.guid);
    await inbox.storeFlags(odd, "add", ["\\Deleted"], []);
    await inbox.expunge();
    for (const m of (await store.openMailbox("Old")).messages()) gone.add(m.guid);
    await store.deleteMailbox("Old");
    kept = await loftView(store);
  } finally {
    store.close();
  }
  assert.equal(kept.size + gone.size, 16);

  // Dovecot's rebuild without its indexes takes every record it finds, expunged or not.
  const unpurged = makeDovecotPeer("mdbox:~/mdbox");
  peers.push(unpurged);
  cpSync(join(peer.home, "mdbox"), join(unpurged.home, "mdbox"), { recursive: true });
  chownTree(join(unpurged.home, "mdbox"));
  const resurrected = await dovecotView(unpurged);
  assert.ok(
    [...gone].every((guid) => resurrected.has(guid)),
    "expunged messages come back without a purge",
  );

  const before = storageFiles(peer.home);
  const config = join(peer.dir, "loft.toml");
  writeFileSync(
    config,
    `mail_location = "mdbox:~/mdbox"\nmdbox_rotate_size = "2K"\n[auth]\npasswd_file = "users"\n`,
  );
  writeFileSync(join(peer.dir, "users"), `alice:{PLAIN}x:${MAIL_UID}:${MAIL_GID}::${peer.home}::\n`);
  const purge = await loft(["purge", "-u", "alice", "-c", config]);
  assert.equal(purge.code, 0, purge.stderr);
  const [, row] = purge.stdout.trim().split("\n");
  const [files, bytes] = row!.split("\t").map(Number);
  const afterPurge = storageFiles(peer.home);
  assert.ok(files! > 0);
  assert.equal(totalSize(before) - totalSize(afterPurge), bytes);
  assert.ok(bytes! > gone.size * 300, `reclaimed ${bytes} bytes`);

  // A purge killed after the maps were rewritten but before the old files were removed.
  const removed = [...before.keys()].filter((name) => !afterPurge.has(name));
  assert.ok(removed.length > 0);
  for (const name of removed) writeFileSync(join(peer.home, "mdbox", "storage", name), before.get(name)!);
  chownTree(join(peer.home, "mdbox", "storage"));
  const again = await openUserStore(options);
  try {
    assert.deepEqual(await loftView(again), kept);
    assert.equal((await again.purge()).files, removed.length, "the next purge drops the leftovers");
    assert.deepEqual(await loftView(again), kept);
    assert.deepEqual((await again.purge()).files, 0);
  } finally {
    again.close();
  }
  assert.deepEqual(await dovecotView(peer), kept);
});

/** Where Loft appends now: `F<id>` in storage/loft-storage. */
function appendFile(home: string): string {
  const state = readFileSync(join(home, "mdbox", "storage", "loft-storage"), "latin1");
  return join(home, "mdbox", "storage", `m.${/^F(\d+) /.exec(state)![1]}`);
}

/** Appends what saves killed at these points leave behind: each record is in no map. */
async function appendKilledSaves(path: string, tail: "metadata" | "half body" | "placeholder") {
  const handle = await open(path, "r+");
  try {
    const record = (guid: string, at: number) =>
      writeRecord(handle, at, {
        data: Buffer.from(`Subject: never acknowledged ${guid}\r\n\r\n${"body\r\n".repeat(40)}`),
        guid,
        receivedSecs: 0x6b000000,
        mailbox: "INBOX",
      });
    // Killed after its record was complete, before its map line.
    const complete = await record("0badc0de000000000000000000000001", (await handle.stat()).size);
    // Killed while writing the next one: the real header is written last, over 30 zero bytes.
    const written = await record("0badc0de000000000000000000000002", complete.end);
    await handle.write(Buffer.alloc(30), 0, 30, complete.end);
    if (tail === "half body") await handle.truncate(complete.end + 30 + Math.floor(written.size / 2));
    if (tail === "placeholder") await handle.truncate(complete.end + 12);
  } finally {
    await handle.close();
  }
}

for (const tail of ["metadata", "half body", "placeholder"] as const) {
  test(`records of killed saves (the last cut short after its ${tail}) are dropped by a purge, so Dovecot's rebuild finds the same messages as Loft`, async () => {
    const peer = makeDovecotPeer("mdbox:~/mdbox");
    peers.push(peer);
    const store = await openUserStore(peer.storeOptions());
    let kept: Map<string, string>;
    try {
      await store.createMailbox("Work");
      for (let i = 0; i < 4; i++) {
        const box = await store.openMailbox(i === 3 ? "Work" : "INBOX");
        await box.append(Buffer.from(`Subject: kept ${i}\r\n\r\nbody ${i}\r\n`));
      }
      kept = await loftView(store);
      await appendKilledSaves(appendFile(peer.home), tail);
      assert.deepEqual(await loftView(store), kept, "Loft never showed the killed saves");
      assert.equal((await store.purge()).files, 1);
      assert.deepEqual(await loftView(store), kept);
      assert.deepEqual((await store.purge()).files, 0, "nothing left to drop");
    } finally {
      store.close();
    }
    assert.deepEqual(await dovecotView(peer), kept);
    const storage = readdirSync(join(peer.home, "mdbox", "storage"));
    assert.ok(!storage.some((n) => n.endsWith(".broken")), `Dovecot found nothing to fix: ${storage}`);
  });
}

test("a purge leaves alone a storage file broken before a complete record (more than an unfinished save)", async () => {
  const peer = makeDovecotPeer("mdbox:~/mdbox");
  peers.push(peer);
  const store = await openUserStore(peer.storeOptions());
  try {
    const inbox = await store.openMailbox("INBOX");
    await inbox.append(Buffer.from("Subject: kept\r\n\r\nbody\r\n"));
    const path = appendFile(peer.home);
    await appendKilledSaves(path, "metadata");
    const handle = await open(path, "r+");
    try {
      await writeRecord(handle, (await handle.stat()).size, {
        data: Buffer.from("Subject: after the break\r\n\r\nbody\r\n"),
        guid: "0badc0de000000000000000000000003",
        receivedSecs: 0x6b000000,
        mailbox: "INBOX",
      });
    } finally {
      await handle.close();
    }
    const before = readFileSync(path);
    assert.equal((await store.purge()).files, 0);
    assert.deepEqual(readFileSync(path), before);
    assert.equal(inbox.uids().length, 1);
  } finally {
    store.close();
  }
});

test("a purge killed while copying records leaves a file no map refers to; the next purge removes it", async () => {
  const peer = makeDovecotPeer("mdbox:~/mdbox");
  peers.push(peer);
  const store = await openUserStore(peer.storeOptions());
  let kept: Map<string, string>;
  try {
    const inbox = await store.openMailbox("INBOX");
    for (let i = 0; i < 3; i++) await inbox.append(Buffer.from(`Subject: kept ${i}\r\n\r\nbody ${i}\r\n`));
    kept = await loftView(store);
    // The copy writes each record's header first, so the last one runs into the end of the file.
    const source = appendFile(peer.home);
    const copy = join(peer.home, "mdbox", "storage", `m.${Number(/(\d+)$/.exec(source)![1]) + 1}`);
    writeFileSync(copy, readFileSync(source).subarray(0, -5));
    chownTree(copy);
    assert.deepEqual(await store.purge(), { files: 1, bytes: statSync(source).size - 5 });
    assert.ok(!storageFiles(peer.home).has(copy.split("/").pop()!));
    assert.deepEqual(await loftView(store), kept);
  } finally {
    store.close();
  }
  assert.deepEqual(await dovecotView(peer), kept);
});
