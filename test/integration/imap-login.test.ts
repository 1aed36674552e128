import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect as tlsConnect } from "node:tls";
import { pino } from "pino";
import { Authenticator, PasswdFile } from "../../src/auth/index.js";
import { ImapSession } from "../../src/imap/session.js";
import { UserConnections } from "../../src/imap/user-connections.js";
import { loadTlsContext } from "../../src/net/index.js";
import { openUserStore } from "../../src/store/index.js";
import { tempDir } from "../helpers/cli.js";
import { LineClient } from "../helpers/line-client.js";

// Sessions run in-process so that a connection can be given a non-loopback peer address:
// loopback always counts as secure, as in Dovecot.
const tmp = tempDir("loft-imap-login-");
const PASSWORD = "pw-Login-1";
const log = pino({ level: "silent" });
let auth: Authenticator;
let tlsContext: ReturnType<typeof loadTlsContext>;
const servers: Server[] = [];

before(() => {
  const home = join(tmp.dir, "home");
  writeFileSync(join(tmp.dir, "users"), `kim:{PLAIN}${PASSWORD}::::${home}\n`);
  auth = new Authenticator(PasswdFile.load(join(tmp.dir, "users"), log), {
    usernameChars: "",
    mailLocation: "maildir:~/Maildir",
    defaultScheme: "SHA512-CRYPT",
    failureDelayMs: 10,
  });
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(tmp.dir, "key.pem")].concat([
      "-out",
      join(tmp.dir, "cert.pem"),
      "-subj",
      "/CN=localhost",
      "-days",
      "2",
    ]),
    { stdio: "ignore" },
  );
  tlsContext = loadTlsContext({
    cert: join(tmp.dir, "cert.pem"),
    key: join(tmp.dir, "key.pem"),
    minVersion: "TLSv1.2",
  });
});

after(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  tmp.remove();
});

/** A listener whose sessions believe the peer is `ip`. */
async function listen(
  ip: string,
  plaintextWithoutTls: boolean,
  withTls: boolean,
  userConnections: UserConnections | null = null,
): Promise<number> {
  const server = createServer((socket: Socket) => {
    new ImapSession(
      socket,
      ip,
      {
        log,
        auth,
        settings: {
          implementation: "Loft",
          plaintextWithoutTls,
          idleKeepaliveSeconds: 60,
        },
        tls: withTls ? tlsContext : null,
        userConnections,
        openMail: (user) =>
          openUserStore({
            user: user.user,
            home: user.home,
            mailLocation: user.mailLocation,
            indexPath: ":memory:",
          }),
      },
      60_000,
    ).greet();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return (server.address() as { port: number }).port;
}

async function command(c: LineClient, tag: string, text: string): Promise<string> {
  c.send(`${tag} ${text}\r\n`);
  return c.readUntil(new RegExp(`^${tag} (OK|NO|BAD) `));
}

const plainAuth = Buffer.from(`\0kim\0${PASSWORD}`).toString("base64");

describe("LOGINDISABLED", () => {
  test("without TLS from a remote address, plaintext logins are refused and not offered", async () => {
    const c = await LineClient.open(await listen("192.0.2.10", false, false));
    const greeting = await c.readUntil(/^\* OK /);
    assert.match(greeting, /LOGINDISABLED/);
    assert.doesNotMatch(greeting, /AUTH=PLAIN/);
    assert.match(await command(c, "a", `LOGIN kim ${PASSWORD}`), /^a NO \[PRIVACYREQUIRED\]/m);
    assert.match(await command(c, "b", `AUTHENTICATE PLAIN ${plainAuth}`), /^b NO \[PRIVACYREQUIRED\]/m);
    assert.match(await command(c, "c", "CAPABILITY"), /LOGINDISABLED/);
    c.close();
  });

  test("the same address may log in when the config allows plaintext", async () => {
    const c = await LineClient.open(await listen("192.0.2.10", true, false));
    assert.doesNotMatch(await c.readUntil(/^\* OK /), /LOGINDISABLED/);
    assert.match(await command(c, "a", `LOGIN kim ${PASSWORD}`), /^a OK \[CAPABILITY IMAP4rev1 /m);
    c.close();
  });

  test("loopback counts as secure", async () => {
    const c = await LineClient.open(await listen("127.0.0.1", false, false));
    assert.match(await c.readUntil(/^\* OK /), /AUTH=PLAIN/);
    assert.match(await command(c, "a", "LOGIN kim wrong"), /^a NO \[AUTHENTICATIONFAILED\]/m);
    assert.match(await command(c, "b", `AUTHENTICATE PLAIN ${plainAuth}`), /^b OK /m);
    c.close();
  });
});

describe("AUTHENTICATE", () => {
  test("PLAIN with a continuation, LOGIN, cancel", async () => {
    const port = await listen("127.0.0.1", false, false);
    const c = await LineClient.open(port);
    await c.readUntil(/^\* OK /);
    c.send("a AUTHENTICATE PLAIN\r\n");
    await c.readUntil(/^\+ /);
    c.send("*\r\n");
    assert.match(await c.readUntil(/^a /), /^a BAD /m);
    c.send("b AUTHENTICATE LOGIN\r\n");
    await c.readUntil(/^\+ /);
    c.send(`${Buffer.from("kim").toString("base64")}\r\n`);
    await c.readUntil(/^\+ /);
    c.send(`${Buffer.from(PASSWORD).toString("base64")}\r\n`);
    assert.match(await c.readUntil(/^b /), /^b OK \[CAPABILITY /m);
    assert.match(await command(c, "c", "SELECT INBOX"), /^c OK \[READ-WRITE\]/m);
    c.close();
  });
});

describe("STARTTLS", () => {
  test("upgrades the connection; plaintext login is then allowed from a remote address", async () => {
    const port = await listen("192.0.2.10", false, true);
    const c = await LineClient.open(port);
    assert.match(await c.readUntil(/^\* OK /), /STARTTLS/);
    assert.match(await command(c, "a", "STARTTLS"), /^a OK Begin TLS/m);
    const secure = tlsConnect({ socket: c.socket, rejectUnauthorized: false, servername: "localhost" });
    await new Promise<void>((resolve, reject) => {
      secure.once("secureConnect", resolve);
      secure.once("error", reject);
    });
    let data = "";
    secure.on("data", (d: Buffer) => {
      data += d.toString();
    });
    const until = async (re: RegExp) => {
      const deadline = Date.now() + 5000;
      while (!re.test(data)) {
        if (Date.now() > deadline) throw new Error(`timed out: ${data}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    secure.write("b CAPABILITY\r\n");
    await until(/^b OK/m);
    assert.doesNotMatch(data, /STARTTLS|LOGINDISABLED/);
    secure.write(`c LOGIN kim ${PASSWORD}\r\n`);
    await until(/^c (OK|NO)/m);
    assert.match(data, /^c OK /m);
    secure.destroy();
  });
});

describe("connections per user", () => {
  test("a user may have only so many sessions from one address; a closed one frees its place", async () => {
    const port = await listen("127.0.0.1", false, false, new UserConnections(2));
    const sessions: LineClient[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await LineClient.open(port);
      await c.readUntil(/^\* OK /);
      sessions.push(c);
    }
    assert.match(await command(sessions[0]!, "a", `LOGIN kim ${PASSWORD}`), /^a OK /m);
    assert.match(await command(sessions[1]!, "a", `LOGIN kim ${PASSWORD}`), /^a OK /m);
    assert.match(await command(sessions[2]!, "a", `LOGIN kim ${PASSWORD}`), /^a NO \[LIMIT\]/m);
    sessions[0]!.send("z LOGOUT\r\n");
    await sessions[0]!.closed;
    await new Promise((r) => setTimeout(r, 50));
    assert.match(await command(sessions[2]!, "b", `LOGIN kim ${PASSWORD}`), /^b OK /m);
    for (const c of sessions) c.close();
  });
});
