import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { createLogger, sessionLogger, withUser } from "../../src/log/index.js";
import { tempDir } from "../helpers/cli.js";

test("session loggers carry session, protocol, peer and user; secrets are redacted", async () => {
  const tmp = tempDir();
  try {
    const path = join(tmp.dir, "logs", "loft.log");
    const log = createLogger({ level: "debug", path, format: "json", fd: 2 });
    const session = withUser(sessionLogger(log, "imap", "127.0.0.1:5555"), "jo");
    session.info({ password: "hunter2", cmd: { sasl: "AGpvAGh1bnRlcjI=", name: "AUTHENTICATE" } }, "login");
    await new Promise<void>((resolve, reject) => log.flush((err) => (err ? reject(err) : resolve())));
    const text = readFileSync(path, "utf8");
    assert.equal(statSync(path).mode & 0o777, 0o600, "the log file is the server's own");
    assert.equal(statSync(join(tmp.dir, "logs")).mode & 0o777, 0o700);
    assert.ok(!text.includes("hunter2") && !text.includes("AGpvAGh1bnRlcjI="), text);
    const line = JSON.parse(text.trim().split("\n").at(-1)!);
    assert.equal(line.protocol, "imap");
    assert.equal(line.peer, "127.0.0.1:5555");
    assert.equal(line.user, "jo");
    assert.match(line.session, /^[A-Za-z0-9_-]{12}$/);
    assert.equal(line.password, "[redacted]");
    assert.equal(line.cmd.sasl, "[redacted]");
    assert.equal(line.cmd.name, "AUTHENTICATE");
  } finally {
    tmp.remove();
  }
});
