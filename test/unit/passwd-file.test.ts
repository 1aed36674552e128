import assert from "node:assert/strict";
import { test } from "node:test";
import {
  checkUserName,
  expandTemplate,
  formatPasswdLine,
  parsePasswdLine,
  userInfo,
} from "../../src/auth/index.js";

test("a full passwd-file line with passdb and userdb extra fields", () => {
  const p = parsePasswdLine(
    "jo@example.org:{PLAIN}pw:1000:1000:Jo:/home/%d/%n::userdb_mail=maildir:~/Mail userdb_quota_rule=*:storage=1G nodelay allow_nets=10.0.0.0/8",
  );
  assert.equal(p.kind, "entry");
  if (p.kind !== "entry") return;
  assert.equal(p.entry.password, "{PLAIN}pw");
  assert.equal(p.entry.uid, 1000);
  assert.deepEqual(p.entry.userdbFields, { mail: "maildir:~/Mail", quota_rule: "*:storage=1G" });
  assert.deepEqual(p.entry.passdbFields, { nodelay: "", allow_nets: "10.0.0.0/8" });
  const info = userInfo(p.entry, { mailLocation: "maildir:~/Maildir" });
  assert.equal(info.home, "/home/example.org/jo");
  assert.equal(info.mailLocation, "maildir:~/Mail");
  assert.deepEqual(info.fields, { quota_rule: "*:storage=1G" });
  assert.equal(
    formatPasswdLine(p.entry),
    "jo@example.org:{PLAIN}pw:1000:1000:Jo:/home/%d/%n::nodelay allow_nets=10.0.0.0/8 userdb_mail=maildir:~/Mail userdb_quota_rule=*:storage=1G",
  );
});

test("short lines, comments and malformed lines", () => {
  const short = parsePasswdLine("bob:{SHA}xyz");
  assert.equal(short.kind, "entry");
  assert.equal(parsePasswdLine("# comment").kind, "skip");
  assert.equal(parsePasswdLine("").kind, "skip");
  for (const bad of [
    ":{PLAIN}x",
    "a:{PLAIN}x:abc",
    "a:{PLAIN}x:1:2x",
    "../x:{PLAIN}x",
    "a/b:{PLAIN}x",
    "a:{PLAIN}x:1:1::relative/home",
    "a\0b:x",
    "a:x:1:1:::: =v",
  ])
    assert.equal(parsePasswdLine(bad).kind, "error", bad);
});

test("templates and user names", () => {
  assert.equal(expandTemplate("/var/vmail/%d/%n/%%/%u/%x", { user: "a@b.c" }), "/var/vmail/b.c/a/%/a@b.c/%x");
  assert.equal(expandTemplate("%h/mail", { user: "a", home: "/h/a" }), "/h/a/mail");
  assert.equal(
    expandTemplate("%Lu|%Ln|%Ld|%n", { user: "Jo@Example.ORG" }),
    "jo@example.org|jo|example.org|Jo",
  );
  const chars = "abcdefghijklmnopqrstuvwxyz@.";
  assert.equal(checkUserName("a@b.c", chars), null);
  for (const bad of ["", "..", ".", "a/b", "a\0b", "a\nb", "x".repeat(256), "A"])
    assert.notEqual(checkUserName(bad, chars), null, bad);
  assert.equal(checkUserName("Any Thing", ""), null);
  assert.notEqual(checkUserName("a/b", ""), null);
});
