// TLS on every listener of a running `loft serve`, checked with openssl s_client and node's tls:
// STARTTLS and implicit TLS per protocol, certificates by SNI, reloads on SIGHUP and on file
// change that keep open sessions, and tls.mode = "required".
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { run, tempDir } from "../helpers/cli.js";
import { writeConfig } from "../helpers/config.js";
import { LineClient } from "../helpers/line-client.js";
import { freePort, type RunningLoft, startLoft } from "../helpers/server.js";

const tmp = tempDir("loft-tls-");
const certs = join(tmp.dir, "certs");
const ports: Record<string, number> = {};
let server: RunningLoft;

/** A self-signed certificate with a known serial, written as NAME.crt and NAME.key. */
function makeCert(name: string, cn: string, serial: string): void {
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat([
      "-keyout",
      join(certs, `${name}.key`),
      "-out",
      join(certs, `${name}.crt`),
      "-subj",
      `/CN=${cn}`,
      "-set_serial",
      `0x${serial}`,
      "-days",
      "2",
    ]),
    { stdio: "ignore" },
  );
}

/** Puts certificate NAME where the config points (cert.pem / key.pem), key first, as renewal tools do. */
function install(name: string): void {
  copyFileSync(join(certs, `${name}.key`), join(tmp.dir, "key.pem"));
  copyFileSync(join(certs, `${name}.crt`), join(tmp.dir, "cert.pem"));
}

before(async () => {
  mkdirSync(certs);
  makeCert("first", "loft.test", "A1");
  makeCert("second", "loft.test", "B2");
  makeCert("third", "loft.test", "C3");
  makeCert("other", "other.test", "D4");
  makeCert("ca", "Loft Test Client CA", "E5");
  install("first");
  for (const name of ["imap", "imaps", "pop3", "pop3s", "sieve", "sieves", "lmtp", "lmtps"])
    ports[name] = await freePort();
  writeFileSync(
    join(tmp.dir, "users"),
    ["kim", "lee@loft.test"].map((u) => `${u}:{PLAIN}secret::::${join(tmp.dir, "home", u)}::\n`).join(""),
  );
  const at = (name: string) => [`127.0.0.1:${ports[name]}`];
  writeConfig(join(tmp.dir, "loft.toml"), {
    auth: { passwd_file: "users", failure_delay: 0 },
    tls: {
      cert: "cert.pem",
      key: "key.pem",
      mode: "required",
      ca: "certs/ca.crt",
      sni: [{ name: "other.test", cert: "certs/other.crt", key: "certs/other.key" }],
    },
    imap: { listen: at("imap"), tls_listen: at("imaps") },
    pop3: { listen: at("pop3"), tls_listen: at("pop3s") },
    managesieve: { listen: at("sieve"), tls_listen: at("sieves") },
    lmtp: { listen: at("lmtp"), tls_listen: at("lmtps") },
  });
  server = startLoft(tmp.dir, ["-c", "loft.toml"]);
  await server.waitFor(/loft started/);
});

after(async () => {
  await server?.stop();
  tmp.remove();
});

/** Runs s_client with `input` typed after the handshake; returns everything it printed. */
async function sClient(port: number, extra: string[], input: string): Promise<string> {
  const r = await run(
    "openssl",
    ["s_client", "-connect", `127.0.0.1:${port}`, "-crlf", "-ign_eof", ...extra],
    { input, timeoutMs: 20_000 },
  );
  return r.stdout + r.stderr;
}

const plain = Buffer.from("\0kim\0secret").toString("base64");
const SESSIONS: Record<string, { input: string; expect: RegExp }> = {
  imap: {
    input: "a CAPABILITY\nb LOGIN kim secret\nc SELECT INBOX\nd LOGOUT\n",
    expect: /^c OK \[READ-WRITE\]/m,
  },
  pop3: { input: "USER kim\nPASS secret\nSTAT\nQUIT\n", expect: /^\+OK 0 0\r?$/m },
  sieve: { input: `AUTHENTICATE "PLAIN" "${plain}"\nLISTSCRIPTS\nLOGOUT\n`, expect: /^OK "Logged in\."/m },
  lmtp: {
    input: "LHLO client.test\nMAIL FROM:<s@far.test>\nRCPT TO:<lee@loft.test>\nQUIT\n",
    expect: /^250 2\.1\.5 /m,
  },
};

describe("openssl s_client on every protocol", () => {
  for (const [protocol, session] of Object.entries(SESSIONS)) {
    test(`${protocol}: STARTTLS, then a command over TLS`, async () => {
      const out = await sClient(ports[protocol]!, ["-starttls", protocol], session.input);
      assert.match(out, /Verify return code|New, TLS/, out);
      assert.match(out, /serial=|Server certificate/, out);
      assert.match(out, session.expect, out);
    });
    test(`${protocol}: implicit TLS, then a command`, async () => {
      const out = await sClient(ports[`${protocol}s`]!, [], session.input);
      assert.match(out, /New, TLS/, out);
      assert.match(out, session.expect, out);
    });
  }
});

/** The serial of the certificate the implicit-TLS IMAP port shows for `servername`. */
async function servedSerial(servername = "loft.test"): Promise<string> {
  const socket = await openImaps(servername);
  const serial = socket.getPeerCertificate().serialNumber;
  socket.destroy();
  return serial;
}

function openImaps(servername: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: "127.0.0.1",
      port: ports.imaps!,
      servername,
      rejectUnauthorized: false,
    });
    socket.once("secureConnect", () => resolve(socket));
    socket.once("error", reject);
  });
}

test("SNI: each name gets its own certificate, unknown names the default", async () => {
  assert.equal(await servedSerial("other.test"), "D4");
  assert.equal(await servedSerial("OTHER.test"), "D4");
  assert.equal(await servedSerial("unknown.test"), "A1");
  // STARTTLS takes the same path.
  const out = await sClient(ports.pop3!, ["-starttls", "pop3", "-servername", "other.test"], "QUIT\n");
  assert.match(out, /CN ?= ?other\.test/, out);
});

test("with tls.ca a client certificate is asked for (naming the CA) but not required", async () => {
  const out = await sClient(ports.imaps!, [], SESSIONS.imap!.input);
  assert.match(out, /Acceptable client certificate CA names\r?\nCN ?= ?Loft Test Client CA/, out);
  assert.match(out, SESSIONS.imap!.expect, out);
});

describe("certificate reload", () => {
  test("after SIGHUP new connections get the new certificate; an open session keeps working", async () => {
    assert.equal(await servedSerial(), "A1");
    const open = await openImaps("loft.test");
    const lines = LineClient.over(open);
    await lines.readUntil(/^\* OK /m);
    install("second");
    const before = server.output().length;
    server.child.kill("SIGHUP");
    await waitUntil(() => /config reloaded/.test(server.output().slice(before)));
    assert.equal(await servedSerial(), "B2");
    lines.send("a LOGIN kim secret\r\nb NOOP\r\n");
    assert.match(await lines.readUntil(/^b OK /m), /^a OK /m);
    assert.equal(open.getPeerCertificate().serialNumber, "A1");
    lines.close();
  });

  test("a changed file is picked up without a signal; a broken one keeps the last good certificate", async () => {
    install("third");
    await waitUntil(async () => (await servedSerial()) === "C3");
    const before = server.output().length;
    writeFileSync(
      join(tmp.dir, "cert.pem"),
      "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n",
    );
    await waitUntil(() => /TLS certificate reload failed/.test(server.output().slice(before)));
    assert.match(server.output().slice(before), /tls\.cert/);
    assert.equal(await servedSerial(), "C3");
    const out = await sClient(ports.imap!, ["-starttls", "imap"], SESSIONS.imap!.input);
    assert.match(out, SESSIONS.imap!.expect, out);
  });
});

async function waitUntil(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out; server output:\n${server.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A plain connection from 127.0.0.2: not the server's own address, so not a secured one. */
async function fromElsewhere(port: number): Promise<LineClient> {
  const socket = tcpConnect({ host: "127.0.0.1", port, localAddress: "127.0.0.2" });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  return LineClient.over(socket);
}

describe('tls.mode = "required" refuses every authentication before TLS (replies as Dovecot 2.3)', () => {
  test("IMAP: LOGINDISABLED and no AUTH=; LOGIN and AUTHENTICATE get NO [PRIVACYREQUIRED]", async () => {
    const c = await fromElsewhere(ports.imap!);
    const greeting = await c.readUntil(/^\* OK /m);
    assert.match(greeting, /STARTTLS LOGINDISABLED\]/);
    assert.doesNotMatch(greeting, /AUTH=/);
    c.send("a LOGIN kim secret\r\n");
    assert.match(await c.readUntil(/^a /m), /^a NO \[PRIVACYREQUIRED\] Plaintext authentication disallowed/m);
    c.send(`b AUTHENTICATE PLAIN ${plain}\r\n`);
    assert.match(
      await c.readUntil(/^b /m),
      /^b NO \[PRIVACYREQUIRED\] Authentication not allowed until SSL\/TLS is enabled\./m,
    );
    c.send("c AUTHENTICATE CRAM-MD5\r\n");
    assert.match(await c.readUntil(/^c /m), /^c NO \[PRIVACYREQUIRED\] Authentication not allowed/m);
    c.close();
  });

  test("POP3: USER/PASS and AUTH refused with -ERR [AUTH]; CAPA lists no mechanism", async () => {
    const c = await fromElsewhere(ports.pop3!);
    await c.readUntil(/^\+OK /m);
    c.send("CAPA\r\n");
    const capa = await c.readUntil(/^\.\r$/m);
    assert.match(capa, /^STLS\r$/m);
    assert.doesNotMatch(capa, /^USER|^SASL \S/m);
    c.send("USER kim\r\n");
    assert.match(
      await c.readUntil(/^-ERR /m),
      /^-ERR \[AUTH\] Plaintext authentication disallowed on non-secure \(SSL\/TLS\) connections\./m,
    );
    c.send(`AUTH PLAIN ${plain}\r\n`);
    assert.match(
      await c.readUntil(/^-ERR .*enabled/m),
      /^-ERR \[AUTH\] Authentication not allowed until SSL\/TLS is enabled\./m,
    );
    c.close();
  });

  test('ManageSieve: "SASL" "" and NO (ENCRYPT-NEEDED)', async () => {
    const c = await fromElsewhere(ports.sieve!);
    const greeting = await c.readUntil(/^OK /m);
    assert.match(greeting, /^"SASL" ""\r$/m);
    assert.match(greeting, /^"STARTTLS"\r$/m);
    c.send(`AUTHENTICATE "PLAIN" "${plain}"\r\n`);
    assert.match(
      await c.readUntil(/^NO /m),
      /^NO \(ENCRYPT-NEEDED\) "Authentication not allowed until SSL\/TLS is enabled\."/m,
    );
    c.close();
  });

  test("the same client from the server's own address may log in without TLS, as in Dovecot", async () => {
    const c = await LineClient.open(ports.imap!);
    assert.match(await c.readUntil(/^\* OK /m), /AUTH=PLAIN/);
    c.send("a LOGIN kim secret\r\n");
    assert.match(await c.readUntil(/^a /m), /^a OK /m);
    c.close();
  });
});
