import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { connect } from "node:tls";
import { ImapFlow } from "imapflow";
import { type ImapServer, PASSWORD, startImapServer } from "../fixtures/imap/setup.js";
import { freePort } from "../helpers/server.js";

const certDir = mkdtempSync(join(tmpdir(), "loft-imap-tls-"));
let imap: ImapServer;
let tlsPort: number;

before(async () => {
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(certDir, "key.pem")].concat([
      "-out",
      join(certDir, "cert.pem"),
      "-subj",
      "/CN=localhost",
      "-days",
      "2",
    ]),
    { stdio: "ignore" },
  );
  tlsPort = await freePort();
  imap = await startImapServer(
    ["tee"],
    [
      `tls_listen = ["127.0.0.1:${tlsPort}"]`,
      "[tls]",
      `cert = "${join(certDir, "cert.pem")}"`,
      `key = "${join(certDir, "key.pem")}"`,
    ],
  );
});

after(async () => {
  await imap?.stop();
  rmSync(certDir, { recursive: true, force: true });
});

test("implicit TLS (IMAPS): TLS from the first byte, then IMAP as usual", async () => {
  const socket = connect({
    host: "127.0.0.1",
    port: tlsPort,
    rejectUnauthorized: false,
    servername: "localhost",
  });
  let data = "";
  socket.on("data", (d: Buffer) => {
    data += d.toString("latin1");
  });
  const until = async (re: RegExp) => {
    const deadline = Date.now() + 5000;
    while (!re.test(data)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}: ${data}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await until(/^\* OK .*\r\n/m);
  assert.match(data, /AUTH=PLAIN/);
  assert.doesNotMatch(data, /STARTTLS|LOGINDISABLED/);
  socket.write(`a LOGIN tee ${PASSWORD}\r\nb SELECT INBOX\r\n`);
  await until(/^b OK \[READ-WRITE\]/m);
  socket.destroy();
});

test("imapflow upgrades with STARTTLS and works over it", async () => {
  const client = new ImapFlow({
    host: "127.0.0.1",
    port: imap.port,
    secure: false,
    auth: { user: "tee", pass: PASSWORD },
    tls: { rejectUnauthorized: false },
    logger: false,
  });
  await client.connect();
  try {
    assert.equal(client.secureConnection, true);
    const box = await client.mailboxOpen("INBOX");
    assert.equal(box.exists, 0);
  } finally {
    await client.logout();
  }
});
