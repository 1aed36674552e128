import assert from "node:assert/strict";
import { test } from "node:test";
import { configSchema } from "../../src/config/index.js";
import { parseQuotaRule, userStoreOptions } from "../../src/user-mail/index.js";

test("Dovecot quota rules", () => {
  assert.deepEqual(parseQuotaRule("*:storage=1G"), { storage: 1024 ** 3 });
  assert.deepEqual(parseQuotaRule("*:storage=512M:messages=1000"), {
    storage: 512 * 1024 ** 2,
    messages: 1000,
  });
  assert.deepEqual(parseQuotaRule("*:bytes=2048"), { storage: 2048 });
  assert.deepEqual(
    parseQuotaRule("*:storage=2048"),
    { storage: 2048 * 1024 },
    "a bare storage= is in kilobytes",
  );
  assert.deepEqual(parseQuotaRule("*:storage=100b"), { storage: 100 });
  assert.equal(parseQuotaRule("Trash:storage=+100M"), null);
  assert.equal(parseQuotaRule("*:storage=lots"), null);
});

test("store options from the userdb and the config", () => {
  const config = configSchema.parse({ quota: { storage: "10M" }, namespace: { separator: "." } });
  const user = {
    user: "jo",
    home: "/h/jo",
    uid: 1000,
    gid: 1000,
    mailLocation: "maildir:~/Maildir",
    fields: {},
  };
  const o = userStoreOptions(user, config);
  assert.equal(o.separator, ".");
  assert.deepEqual(o.quota, { storage: 10 * 1024 ** 2, messages: 0 });
  assert.deepEqual(
    o.autoCreate?.map((m) => m.name),
    ["Drafts", "Sent", "Trash", "Junk", "Archive"],
  );
  assert.equal(o.autoCreate?.[1]?.specialUse, "\\Sent");
  const limited = userStoreOptions({ ...user, fields: { quota_rule: "*:messages=5" } }, config);
  assert.deepEqual(limited.quota, { storage: 10 * 1024 ** 2, messages: 5 });
});
