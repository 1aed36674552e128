import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ImapServer, PASSWORD, startImapServer } from "../fixtures/imap/setup.js";
import { run } from "../helpers/cli.js";
import { LineClient } from "../helpers/line-client.js";
import { freePort } from "../helpers/server.js";

let imap: ImapServer;
let lmtpPort: number;

before(async () => {
  lmtpPort = await freePort();
  imap = await startImapServer(["lou@loft.test"], ["[lmtp]", `listen = ["127.0.0.1:${lmtpPort}"]`]);
});

after(async () => {
  await imap?.stop();
});

test("a session in IDLE is told of a message delivered over LMTP, with its sequence number", async () => {
  const c = await LineClient.open(imap.port);
  await c.readUntil(/^\* OK /);
  c.send(`l LOGIN lou@loft.test ${PASSWORD}\r\ns SELECT INBOX\r\n`);
  assert.match(await c.readUntil(/^s OK/), /^\* 0 EXISTS/m);
  c.send("i IDLE\r\n");
  await c.readUntil(/^\+ idling/);
  for (const n of [1, 2]) {
    const sent = Date.now();
    const r = await run(
      "swaks",
      ["--protocol", "LMTP", "--server", `127.0.0.1:${lmtpPort}`].concat([
        "--from",
        "s@far.test",
        "--to",
        "lou@loft.test",
        "--helo",
        "mta.far.test",
      ]),
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(await c.readUntil(/RECENT/, 2000), new RegExp(`^\\* ${n} EXISTS\\r\\n\\* ${n} RECENT`, "m"));
    assert.ok(Date.now() - sent < 2000);
  }
  c.send("DONE\r\n");
  await c.readUntil(/^i OK/);
  c.send("f FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (DELIVERED-TO)])\r\n");
  const fetched = await c.readUntil(/^f OK/);
  assert.match(
    fetched,
    /^\* 2 FETCH \(UID 2 BODY\[HEADER\.FIELDS \(DELIVERED-TO\)\] \{31\}\r\nDelivered-To: lou@loft\.test\r\n/m,
  );
  c.close();
});
