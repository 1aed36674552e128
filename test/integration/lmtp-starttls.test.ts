import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { maildirMessages, makeWorld } from "../fixtures/delivery/setup.js";
import { run } from "../helpers/cli.js";
import { freePort, type RunningLoft, startLoft } from "../helpers/server.js";

const world = makeWorld([{ name: "tia@loft.test" }]);
let port: number;
let server: RunningLoft;

before(async () => {
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=mx.loft.test", "-days", "2"].concat([
      "-keyout",
      join(world.dir, "key.pem"),
      "-out",
      join(world.dir, "cert.pem"),
    ]),
    { stdio: "ignore" },
  );
  port = await freePort();
  writeFileSync(
    world.configFile,
    `${readFileSync(world.configFile, "utf8")}\n[lmtp]\nlisten = ["127.0.0.1:${port}"]\n[imap]\nlisten = []\n[pop3]\nlisten = []\n[tls]\ncert = "${join(world.dir, "cert.pem")}"\nkey = "${join(world.dir, "key.pem")}"\n`,
  );
  server = startLoft(world.dir, ["-c", world.configFile]);
  await server.waitFor(/loft started/);
});

after(async () => {
  await server?.stop();
  world.remove();
});

test("with certificates LHLO offers STARTTLS, and a delivery over TLS works", async () => {
  const r = await run("swaks", [
    "--protocol",
    "LMTP",
    "--server",
    `127.0.0.1:${port}`,
    "--tls",
    "--from",
    "s@far.test",
    "--to",
    "tia@loft.test",
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /250[- ]STARTTLS/);
  assert.match(r.stdout, /TLS started/);
  assert.match(r.stdout, /250 2\.0\.0 <tia@loft\.test> \S+ Saved/);
  assert.equal(maildirMessages(world.home("tia@loft.test")).length, 1);
});
