/**
 * mbox shared with Dovecot both ways, with foreign (procmail/Postfix local) files, and read by
 * Python's mailbox.mbox: the same UIDs, flags, keywords and message bytes everywhere.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chownSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openUserStore, type UserStore } from "../../src/store/index.js";
import { type DovecotPeer, MAIL_GID, MAIL_UID, makeDovecotPeer } from "./dovecot-peer.js";

const LOCATION = "mbox:~/mail:INBOX=~/inbox";
const peers: DovecotPeer[] = [];
const stores: UserStore[] = [];
after(() => {
  for (const s of stores) s.close();
  for (const p of peers) p.cleanup();
});

function peer(): DovecotPeer {
  const p = makeDovecotPeer(LOCATION);
  peers.push(p);
  return p;
}

async function open(p: DovecotPeer): Promise<UserStore> {
  const store = await openUserStore(p.storeOptions({ indexPath: ":memory:" }));
  stores.push(store);
  return store;
}

async function text(stream: AsyncIterable<unknown>): Promise<string> {
  let out = "";
  for await (const chunk of stream) out += (chunk as Buffer).toString("latin1");
  return out;
}

const FROM_BODY = "hello\r\nFrom bob@example.com Mon Jan  1 10:00:00 2024\r\n>From quoted already\r\nbye\r\n";

describe("mbox with Dovecot", () => {
  it("Loft appends with flags and keywords; doveadm fetch sees the same UIDs, flags, keywords and text", async () => {
    const p = peer();
    const store = await open(p);
    const inbox = await store.openMailbox("INBOX");
    await inbox.append(Buffer.from(`From: a@example.org\r\nSubject: one\r\n\r\n${FROM_BODY}`));
    await inbox.append(Buffer.from("From: b@example.org\r\nSubject: two\r\n\r\nb\r\n"), {
      flags: ["\\Seen", "\\Flagged"],
      keywords: ["$Label1", "Junk"],
    });
    await inbox.append(Buffer.from("Subject: three\r\nStatus: RO\r\nX-UID: 99\r\n\r\nbody\r\n"), {
      flags: ["\\Answered", "\\Draft", "\\Deleted"],
    });
    const ours = inbox.messages().map((m) => ({ uid: m.uid, flags: [...m.flags, ...m.keywords].sort() }));
    const theirs = (await p.fetch(["mailbox", "INBOX"])).map((r) => ({ uid: r.uid, flags: r.flags.sort() }));
    assert.deepEqual(theirs, ours);
    assert.deepEqual(
      ours.map((m) => m.uid),
      [1, 2, 3],
    );
    const status = await p.status("INBOX");
    assert.equal(Number(status.uidvalidity), inbox.uidValidity);
    for (const uid of [1, 2, 3]) {
      const dovecot = await p.doveadm(["fetch", "text", "mailbox", "INBOX", "uid", String(uid)]);
      const loft = await text(await inbox.read(uid, { crlf: false }));
      assert.equal(dovecot.replace(/^text:\n/, ""), loft, `uid ${uid}`);
    }
    // A flag change in place, then an expunge (a rewrite): Dovecot still agrees.
    await inbox.storeFlags([1], "add", ["\\Seen"], ["NonJunk"]);
    await inbox.expunge();
    const after = (await p.fetch(["mailbox", "INBOX"])).map((r) => ({ uid: r.uid, flags: r.flags.sort() }));
    assert.deepEqual(after, [
      { uid: 1, flags: ["NonJunk", "\\Seen"] },
      { uid: 2, flags: ["$Label1", "Junk", "\\Flagged", "\\Seen"] },
    ]);
  });

  it("Dovecot-written mbox (doveadm save, dovecot-lda, doveadm flags): Loft sees the same", async () => {
    const p = peer();
    await p.doveadm(["save"], "From: a@example.org\nSubject: saved\n\nfirst\n");
    execFileSync("/usr/lib/dovecot/dovecot-lda", ["-c", p.conf, "-f", "sender@example.org"], {
      input: `From: c@example.org\nSubject: delivered\n\n${FROM_BODY.replace(/\r/g, "")}`,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: p.home, USER: "alice" },
      ...(process.geteuid?.() === 0 ? { uid: MAIL_UID, gid: MAIL_GID } : {}),
    });
    await p.doveadm(["save", "-m", "Work"], "Subject: in work\n\nw\n").catch(async () => {
      await p.doveadm(["mailbox", "create", "Work"]);
      await p.doveadm(["save", "-m", "Work"], "Subject: in work\n\nw\n");
    });
    await p.doveadm(["flags", "add", "\\Seen $Label1 Custom", "mailbox", "INBOX", "uid", "2"]);
    await p.doveadm(["flags", "add", "\\Answered", "mailbox", "INBOX", "uid", "1"]);
    const store = await open(p);
    for (const name of ["INBOX", "Work"]) {
      const box = await store.openMailbox(name);
      const theirs = (await p.fetch(["mailbox", name])).map((r) => ({ uid: r.uid, flags: r.flags.sort() }));
      const ours = box.messages().map((m) => ({ uid: m.uid, flags: [...m.flags, ...m.keywords].sort() }));
      assert.deepEqual(ours, theirs, name);
      assert.equal(box.uidValidity, Number((await p.status(name)).uidvalidity));
      for (const m of box.messages()) {
        const dovecot = await p.doveadm(["fetch", "text", "mailbox", name, "uid", String(m.uid)]);
        const loft = await text(await box.read(m.uid, { crlf: false }));
        assert.equal(dovecot.replace(/^text:\n/, ""), loft, `${name} uid ${m.uid}`);
        const size = await p.doveadm([
          "-f",
          "tab",
          "fetch",
          "size.virtual",
          "mailbox",
          name,
          "uid",
          String(m.uid),
        ]);
        assert.equal(Number(size.split("\n")[1]), m.vsize, `${name} uid ${m.uid} virtual size`);
      }
    }
    assert.match(
      readFileSync(join(p.home, "inbox"), "latin1"),
      /^From sender@example\.org {2}\w{3} \w{3} \d\d /m,
    );
  });

  it("a foreign mbox without X-UID (procmail, Postfix local) gets UIDs that Dovecot then agrees with", async () => {
    const p = peer();
    const foreign = [
      "From someone@example.org Mon Jan  1 10:00:00 2024\nFrom: someone@example.org\nSubject: f1\nStatus: RO\n\nbody one\n>From escaped by procmail\n\n",
      "From other@example.org  Tue Jan  2 11:00:00 2024\nFrom: other@example.org\nSubject: f2\nX-Status: F\n\nbody two\n\n",
      "From third@example.org Wed Jan  3 12:00:00 2024\nSubject: f3\n\nbody three\n",
    ].join("");
    const inboxFile = join(p.home, "inbox");
    writeFileSync(inboxFile, foreign, { mode: 0o600 });
    if (process.geteuid?.() === 0) chownSync(inboxFile, MAIL_UID, MAIL_GID);
    const store = await open(p);
    const inbox = await store.openMailbox("INBOX");
    assert.deepEqual(
      inbox.messages().map((m) => [m.uid, m.flags]),
      [
        [1, ["\\Seen"]],
        [2, ["\\Flagged"]],
        [3, []],
      ],
    );
    assert.equal(new Date(inbox.messages()[0]!.internalDate).getTime(), new Date(2024, 0, 1, 10).getTime());
    const written = readFileSync(inboxFile, "latin1");
    assert.match(written, /^X-IMAPbase: \d+ 0000000003\n/m);
    assert.match(written, /^X-UID: 3$/m);
    const theirs = (await p.fetch(["mailbox", "INBOX"])).map((r) => ({ uid: r.uid, flags: r.flags.sort() }));
    assert.deepEqual(theirs, [
      { uid: 1, flags: ["\\Seen"] },
      { uid: 2, flags: ["\\Flagged"] },
      { uid: 3, flags: [] },
    ]);
    assert.equal(Number((await p.status("INBOX")).uidvalidity), inbox.uidValidity);
    assert.equal(
      await text(await inbox.read(1, { crlf: false })),
      "From: someone@example.org\nSubject: f1\n\nbody one\n>From escaped by procmail\n",
    );
  });

  it("Python's mailbox.mbox reads Loft's mbox with every message intact, a body From line included", async () => {
    const p = peer();
    const store = await open(p);
    const inbox = await store.openMailbox("INBOX");
    await inbox.append(Buffer.from(`From: a@example.org\r\nSubject: one\r\n\r\n${FROM_BODY}`));
    await inbox.append(Buffer.from("Subject: two\r\n\r\nFrom the start\r\nlast\r\n"), { keywords: ["Work"] });
    await inbox.append(Buffer.from("Subject: three\r\n\r\nno newline at end"));
    const script = `
import mailbox, json, sys
box = mailbox.mbox(sys.argv[1], create=False)
print(json.dumps([[m["Subject"], m.get_payload()] for m in box]))
`;
    const out = JSON.parse(execFileSync("python3", ["-c", script, join(p.home, "inbox")]).toString()) as [
      string,
      string,
    ][];
    assert.deepEqual(out, [
      ["one", "hello\n>From bob@example.com Mon Jan  1 10:00:00 2024\n>From quoted already\nbye\n"],
      ["two", ">From the start\nlast\n"],
      ["three", "no newline at end\n"],
    ]);
  });
});
