import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isStoreError } from "../../src/store/errors.js";
import { expandVariables, parseMailLocation } from "../../src/store/mail-location.js";

const vars = { user: "alice@example.org", home: "/home/alice" };

describe("mail_location", () => {
  it("parses the Maildir forms Dovecot accepts", () => {
    assert.deepEqual(parseMailLocation("maildir:~/Maildir", vars), {
      format: "maildir",
      root: "/home/alice/Maildir",
      layout: "maildir++",
      options: {},
    });
    const full = parseMailLocation(
      "maildir:~/Maildir:LAYOUT=fs:INBOX=/var/mail/%n:INDEX=/var/index/%d/%n:CONTROL=~/ctl:VOLATILEDIR=/tmp/v",
      vars,
    );
    assert.equal(full.layout, "fs");
    assert.equal(full.inbox, "/var/mail/alice");
    assert.equal(full.index, "/var/index/example.org/alice");
    assert.equal(full.control, "/home/alice/ctl");
    assert.deepEqual(full.options, { VOLATILEDIR: "/tmp/v" });
  });

  it("expands %u %n %d %h, long forms and %%", () => {
    assert.equal(
      expandVariables("%u|%n|%d|%h|%{username}|%%", vars),
      "alice@example.org|alice|example.org|/home/alice|alice|%",
    );
  });

  it("reads :: as a literal colon", () => {
    assert.equal(parseMailLocation("maildir:/srv/a::b:LAYOUT=fs", vars).root, "/srv/a:b");
  });

  it("leaves unknown variables as written, as Dovecot does", () => {
    assert.equal(parseMailLocation("maildir:~/%z", vars).root, "/home/alice/%z");
  });

  it("refuses unknown formats, relative roots and unknown layouts", () => {
    for (const bad of ["mbox2:~/mail", "maildir:Maildir", "Maildir", "maildir:~/M:LAYOUT=index"]) {
      assert.throws(
        () => parseMailLocation(bad, vars),
        (err) => isStoreError(err, "CANNOT"),
        bad,
      );
    }
  });
});
