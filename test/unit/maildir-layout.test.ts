import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { isStoreError } from "../../src/store/errors.js";
import { decodeMutf7, encodeMutf7 } from "../../src/store/formats/common/mutf7.js";
import { MaildirLayout } from "../../src/store/formats/maildir/layout.js";
import { parseMailLocation } from "../../src/store/mail-location.js";

const vars = { user: "alice@example.org", home: "/home/alice" };
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function layout(location: string): MaildirLayout {
  return new MaildirLayout(parseMailLocation(location, vars));
}

describe("modified UTF-7 names", () => {
  it("encodes as Dovecot stores them", () => {
    assert.equal(encodeMutf7("Ünï"), "&ANw-n&AO8-");
    assert.equal(encodeMutf7("Sp ace"), "Sp ace");
    assert.equal(encodeMutf7("a&b"), "a&-b");
    assert.equal(decodeMutf7("&ANw-n&AO8-"), "Ünï");
  });

  it("rejects names on disk that are not valid modified UTF-7", () => {
    assert.equal(decodeMutf7("a&b"), undefined);
    assert.equal(decodeMutf7("&AGE-"), undefined);
  });
});

describe("Maildir++ layout", () => {
  const l = layout("maildir:~/Maildir");
  it("maps INBOX to the root and folders to dot-directories", () => {
    assert.equal(l.mailboxDir(["INBOX"]), "/home/alice/Maildir");
    assert.equal(l.mailboxDir(["Work", "Sub"]), "/home/alice/Maildir/.Work.Sub");
    assert.equal(l.mailboxDir(["Ünï"]), "/home/alice/Maildir/.&ANw-n&AO8-");
    assert.equal(l.mailboxDir(["Sp ace"]), "/home/alice/Maildir/.Sp ace");
  });

  it("refuses a dot inside a name", () => {
    assert.throws(
      () => l.mailboxDir(["Dot.ted"]),
      (err) => isStoreError(err, "BADNAME"),
    );
  });

  it("lists dot-directories as mailboxes", () => {
    const root = mkdtempSync(join(tmpdir(), "loft-layout-"));
    dirs.push(root);
    for (const d of [".Work", ".Work.Sub", ".&ANw-n&AO8-", ".bad&x", "..DOVECOT-TRASHED", "cur"]) {
      mkdirSync(join(root, d));
    }
    const names = new MaildirLayout(parseMailLocation(`maildir:${root}`, vars))
      .list()
      .then((list) => list.map((m) => m.path.join("/")).sort());
    return names.then((n) => assert.deepEqual(n, ["INBOX", "Work", "Work/Sub", "Ünï"]));
  });

  it("puts control files under CONTROL=", () => {
    const c = layout("maildir:~/Maildir:CONTROL=~/control");
    assert.equal(c.controlDir(["Work"]), "/home/alice/control/.Work");
    assert.equal(c.controlDir(["INBOX"]), "/home/alice/control");
    assert.equal(c.controlRoot, "/home/alice/control");
  });
});

describe("LAYOUT=fs", () => {
  const l = layout("maildir:~/Maildir:LAYOUT=fs");
  it("maps names to nested directories, dots allowed", () => {
    assert.equal(l.mailboxDir(["Work", "Sub"]), "/home/alice/Maildir/Work/Sub");
    assert.equal(l.mailboxDir(["Dot.ted"]), "/home/alice/Maildir/Dot.ted");
    assert.equal(l.mailboxDir(["Ünï", "x"]), "/home/alice/Maildir/&ANw-n&AO8-/x");
  });

  it("refuses cur, new and tmp as names", () => {
    for (const name of ["cur", "new", "tmp"]) {
      assert.throws(
        () => l.mailboxDir(["Work", name]),
        (err) => isStoreError(err, "BADNAME"),
      );
    }
  });

  it("lists nested directories; a directory without cur/ is not selectable", () => {
    const root = mkdtempSync(join(tmpdir(), "loft-layout-"));
    dirs.push(root);
    for (const d of ["cur", "new", "Work/cur", "Work/Sub/cur", "Parent/Child/cur", ".hidden/cur"]) {
      mkdirSync(join(root, d), { recursive: true });
    }
    return new MaildirLayout(parseMailLocation(`maildir:${root}:LAYOUT=fs`, vars)).list().then((list) => {
      const got = list.map((m) => `${m.path.join("/")}${m.selectable ? "" : " (noselect)"}`).sort();
      assert.deepEqual(got, ["INBOX", "Parent (noselect)", "Parent/Child", "Work", "Work/Sub"]);
    });
  });

  it("keeps INBOX= elsewhere", () => {
    const i = layout("maildir:~/Maildir:LAYOUT=fs:INBOX=~/inbox");
    assert.equal(i.mailboxDir(["INBOX"]), "/home/alice/inbox");
  });
});
