import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseQuotaRule } from "../../src/store/quota-rule.js";

describe("quota_rule", () => {
  it("reads Dovecot's forms", () => {
    assert.deepEqual(parseQuotaRule("*:storage=1G:messages=1000"), { storage: 1024 ** 3, messages: 1000 });
    assert.deepEqual(
      parseQuotaRule("*:storage=100"),
      { storage: 100 * 1024 },
      "storage without a unit is in kB",
    );
    assert.deepEqual(parseQuotaRule("*:bytes=100"), { storage: 100 });
    assert.deepEqual(parseQuotaRule("*:storage=512M"), { storage: 512 * 1024 ** 2 });
  });

  it("ignores per-mailbox rules and percentages", () => {
    assert.deepEqual(parseQuotaRule("Trash:storage=+100M"), {});
    assert.deepEqual(parseQuotaRule("*:storage=10%"), {});
  });
});
