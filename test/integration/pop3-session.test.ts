// Session semantics and limits: the mailbox lock, DELE only at QUIT, expunges by others during a
// session, plaintext refused without TLS, idle timeout, connections per address, failed-login
// delay, line length, NUL bytes, bad-command limits.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect as tlsConnect } from "node:tls";
import pino from "pino";
import { Authenticator, PasswdFile } from "../../src/auth/index.js";
import { configSchema } from "../../src/config/index.js";
import { loadTlsContext } from "../../src/net/index.js";
import type { Pop3Mail } from "../../src/pop3/mail-access.js";
import { Pop3Session } from "../../src/pop3/session.js";
import { openUserMail } from "../../src/user-mail/index.js";
import {
  configFile,
  deliver,
  MAIL_UID,
  message,
  PASSWORD,
  type Pop3Fixture,
  pop3Exchange,
  pop3Fixture,
  type RunningServer,
  serveFailure,
  startServer,
} from "./pop3-harness.js";

let fx: Pop3Fixture;
let server: RunningServer;

before(async () => {
  fx = await pop3Fixture("loft-pop3-session-");
  server = await startServer(fx, ["max_connections_per_ip = 3"]);
});

after(async () => {
  await server?.stop();
  fx?.remove();
});

/** A connection read line by line. */
class Client {
  private data = "";
  private ended = false;
  readonly closed: Promise<void>;
  private constructor(readonly socket: Socket) {
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      this.data += d;
    });
    socket.on("error", () => {});
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.ended = true;
        resolve();
      }),
    );
  }

  static async open(): Promise<Client> {
    const socket = connect({ port: fx.port, host: "127.0.0.1" });
    await new Promise((resolve) => socket.once("connect", resolve));
    const client = new Client(socket);
    assert.equal(await client.line(), "+OK Loft ready.");
    return client;
  }

  async line(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.data.indexOf("\r\n");
      if (end >= 0) {
        const line = this.data.slice(0, end);
        this.data = this.data.slice(end + 2);
        return line;
      }
      if (this.ended) throw new Error(`closed; pending: ${JSON.stringify(this.data)}`);
      if (Date.now() > deadline) throw new Error(`no line; pending: ${JSON.stringify(this.data)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async command(text: string | Buffer): Promise<string> {
    this.socket.write(typeof text === "string" ? `${text}\r\n` : text);
    return this.line();
  }

  async login(): Promise<void> {
    assert.equal(await this.command("USER jo"), "+OK");
    assert.equal(await this.command(`PASS ${PASSWORD}`), "+OK Logged in.");
  }
}

function maildirFiles(): string[] {
  return [...readdirSync(join(fx.maildir, "new")), ...readdirSync(join(fx.maildir, "cur"))];
}

describe("one session per mailbox, changes only at QUIT", () => {
  test("a second session gets [IN-USE] until the first one ends", async () => {
    deliver(fx.maildir, [message(1), message(2)]);
    const first = await Client.open();
    await first.login();
    const second = await Client.open();
    assert.equal(await second.command("USER jo"), "+OK");
    assert.equal(
      await second.command(`PASS ${PASSWORD}`),
      "-ERR [IN-USE] Mailbox is locked by another POP3 session.",
    );
    await second.closed;
    assert.equal(await first.command("QUIT"), "+OK Logging out.");
    const third = await Client.open();
    await third.login();
    assert.equal(await third.command("QUIT"), "+OK Logging out.");
  });

  test("DELE followed by a dropped connection deletes nothing", async () => {
    const c = await Client.open();
    await c.login();
    assert.equal(await c.command("DELE 1"), "+OK Marked to be deleted.");
    assert.equal(await c.command("DELE 2"), "+OK Marked to be deleted.");
    c.socket.destroy();
    await c.closed;
    // The lock goes with the connection: the next session sees both messages.
    const deadline = Date.now() + 5000;
    let next: Client;
    for (;;) {
      next = await Client.open();
      assert.equal(await next.command("USER jo"), "+OK");
      const reply = await next.command(`PASS ${PASSWORD}`);
      if (reply === "+OK Logged in.") break;
      assert.ok(Date.now() < deadline, reply);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(await next.command("STAT"), /^\+OK 2 \d+$/);
    assert.equal(await next.command("QUIT"), "+OK Logging out.");
    assert.equal(maildirFiles().length, 2);
  });

  test("a message expunged by another session meanwhile does not break the session", async () => {
    const c = await Client.open();
    await c.login();
    assert.match(await c.command("STAT"), /^\+OK 2 \d+$/);
    // Another session (IMAP, or an admin command) expunges message 2 through the store.
    const store = await openUserMail(
      {
        user: "jo",
        home: fx.home,
        uid: MAIL_UID,
        gid: MAIL_UID,
        mailLocation: "maildir:~/Maildir",
        fields: {},
      },
      configSchema.parse({}),
      pino({ level: "silent" }),
    );
    try {
      const inbox = await store.openMailbox("INBOX");
      const uid = inbox.uids()[1]!;
      await inbox.storeFlags([uid], "add", ["\\Deleted"], []);
      assert.deepEqual(await inbox.expunge([uid]), [uid]);
    } finally {
      store.close();
    }
    assert.equal(await c.command("RETR 2"), "-ERR Message 2 expunged.");
    assert.match(await c.command("RETR 1"), /^\+OK \d+ octets$/);
    let line: string;
    do line = await c.line();
    while (line !== ".");
    assert.equal(await c.command("DELE 2"), "+OK Marked to be deleted.");
    assert.equal(await c.command("DELE 1"), "+OK Marked to be deleted.");
    assert.equal(await c.command("QUIT"), "+OK Logging out, messages deleted.");
    await c.closed;
    assert.deepEqual(maildirFiles(), []);
  });
});

describe("limits", () => {
  test("idle timeout", async () => {
    // A server of its own: a one-second timeout would also cut slow password checks short.
    const idle = await pop3Fixture("loft-pop3-idle-");
    const idleServer = await startServer(idle, ["idle_timeout = 1"]);
    try {
      const socket = connect({ port: idle.port, host: "127.0.0.1" });
      let out = "";
      socket.setEncoding("latin1");
      socket.on("data", (d: string) => {
        out += d;
      });
      const started = Date.now();
      await new Promise((resolve) => socket.on("close", resolve));
      assert.equal(out, "+OK Loft ready.\r\n-ERR Disconnected for inactivity.\r\n");
      assert.ok(Date.now() - started >= 900);
    } finally {
      await idleServer.stop();
      idle.remove();
    }
  });

  test("connections per address", async () => {
    const open = [await Client.open(), await Client.open(), await Client.open()];
    const socket = connect({ port: fx.port, host: "127.0.0.1" });
    let refused = "";
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      refused += d;
    });
    await new Promise((resolve) => socket.on("close", resolve));
    assert.equal(refused, "-ERR [SYS/TEMP] Too many connections from your address.\r\n");
    for (const c of open) c.socket.destroy();
    await Promise.all(open.map((c) => c.closed));
    // The server counts a connection until it has seen it close.
    await new Promise((r) => setTimeout(r, 300));
  });

  test("failed logins are answered after the failure delay, the same for unknown users", async () => {
    for (const user of ["jo", "nobody"]) {
      const c = await Client.open();
      assert.equal(await c.command(`USER ${user}`), "+OK");
      const started = Date.now();
      assert.equal(await c.command("PASS wrong"), "-ERR [AUTH] Authentication failed.");
      assert.ok(Date.now() - started >= 290, `${user}: ${Date.now() - started} ms`);
      assert.equal(await c.command("STAT"), "-ERR Unknown command.");
      assert.equal(await c.command("QUIT"), "+OK Logging out");
      await c.closed;
    }
  });

  test("a NUL byte refuses the whole line: no login with a truncated password", async () => {
    const c = await Client.open();
    assert.equal(await c.command("USER jo"), "+OK");
    assert.equal(
      await c.command(Buffer.from(`PASS ${PASSWORD}\0garbage\r\n`)),
      "-ERR Invalid NUL byte in command.",
    );
    assert.equal(await c.command("STAT"), "-ERR Unknown command.");
    assert.equal(await c.command("QUIT"), "+OK Logging out");
    await c.closed;
  });

  test("command lines longer than 2048 bytes end the connection", async () => {
    const c = await Client.open();
    assert.equal(await c.command(`NOOP ${"x".repeat(2040)}`), "-ERR Unknown command.");
    assert.equal(await c.command(`USER ${"x".repeat(3000)}`), "-ERR Input line too long.");
    await c.closed;
  });

  test("ten bad commands in a row before login end the connection", async () => {
    const out = await pop3Exchange(
      fx.port,
      Array.from({ length: 12 }, () => "BOGUS"),
    );
    assert.equal(
      out,
      `+OK Loft ready.\r\n${"-ERR Unknown command.\r\n".repeat(10)}-ERR Too many bad commands.\r\n`,
    );
  });

  test("AUTH: mechanism list, cancel, unknown mechanism, bad base64", async () => {
    const c = await Client.open();
    assert.equal(await c.command("AUTH"), "+OK");
    assert.equal(await c.line(), "PLAIN");
    assert.equal(await c.line(), "LOGIN");
    // jo's password is stored in cleartext, so the challenge-response mechanisms can work too.
    for (const mechanism of ["CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"])
      assert.equal(await c.line(), mechanism);
    assert.equal(await c.line(), ".");
    assert.equal(await c.command("AUTH PLAIN"), "+ ");
    assert.equal(await c.command("*"), "-ERR Authentication aborted by client.");
    assert.equal(await c.command("AUTH DIGEST-MD5"), "-ERR Unsupported authentication mechanism.");
    assert.equal(await c.command("AUTH PLAIN !!!"), "-ERR Invalid base64 data in initial response.");
    assert.equal(await c.command("PASS x"), "-ERR No username given.");
    assert.equal(await c.command("AUTH LOGIN"), `+ ${Buffer.from("Username:").toString("base64")}`);
    assert.equal(
      await c.command(Buffer.from("jo").toString("base64")),
      `+ ${Buffer.from("Password:").toString("base64")}`,
    );
    assert.equal(await c.command(Buffer.from(PASSWORD).toString("base64")), "+OK Logged in.");
    assert.equal(await c.command("QUIT"), "+OK Logging out.");
  });

  test("the server log has no password", () => {
    assert.ok(!server.output().includes(PASSWORD));
    assert.match(server.output(), /"protocol":"pop3"/);
  });
});

describe("plaintext authentication away from loopback", () => {
  let listener: Server;
  let port: number;

  before(async () => {
    const tls = loadTlsContext({
      cert: join(fx.dir, "cert.pem"),
      key: join(fx.dir, "key.pem"),
      minVersion: "TLSv1.2",
    });
    const auth = new Authenticator(PasswdFile.load(join(fx.dir, "users"), pino({ level: "silent" })), {
      usernameChars: "",
      mailLocation: "maildir:~/Maildir",
      defaultScheme: "PLAIN",
      mechanisms: ["PLAIN", "LOGIN"],
    });
    const mail = {} as Pop3Mail;
    listener = createServer((socket) => {
      // The session is told the peer is 192.0.2.7: neither loopback nor TLS.
      new Pop3Session(socket, "192.0.2.7", pino({ level: "silent" }), {
        auth,
        tls,
        mail,
        settings: {
          greeting: "Loft ready.",
          plaintextWithoutTls: false,
          maxLineLength: 2048,
        },
      }).greet();
    });
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    port = (listener.address() as { port: number }).port;
  });

  after(() => new Promise<void>((resolve) => listener.close(() => resolve())));

  test("refused until STLS; then USER and SASL PLAIN are offered", async () => {
    const out = await pop3Exchange(port, ["CAPA", "USER jo", "AUTH PLAIN", "QUIT"]);
    assert.equal(
      out,
      [
        "+OK Loft ready.",
        "+OK",
        "CAPA",
        "TOP",
        "UIDL",
        "RESP-CODES",
        "PIPELINING",
        "AUTH-RESP-CODE",
        "STLS",
        ".",
        "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.",
        "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.",
        "+OK Logging out",
        "",
      ].join("\r\n"),
    );

    const socket = connect({ port, host: "127.0.0.1" });
    let plain = "";
    socket.setEncoding("latin1");
    const onData = (d: string) => {
      plain += d;
    };
    socket.on("data", onData);
    socket.write("STLS\r\n");
    while (!plain.includes("+OK Begin TLS negotiation now.\r\n")) await new Promise((r) => setTimeout(r, 5));
    socket.off("data", onData);
    const secure = tlsConnect({ socket, ca: readFileSync(fx.cert), checkServerIdentity: () => undefined });
    let text = "";
    secure.setEncoding("latin1");
    secure.on("data", (d: string) => {
      text += d;
    });
    secure.write("CAPA\r\nUSER jo\r\nQUIT\r\n");
    await new Promise((resolve) => secure.on("close", resolve));
    assert.equal(
      text,
      [
        "+OK",
        "CAPA",
        "TOP",
        "UIDL",
        "RESP-CODES",
        "PIPELINING",
        "AUTH-RESP-CODE",
        "USER",
        "SASL PLAIN LOGIN",
        ".",
        "+OK",
        "+OK Logging out",
        "",
      ].join("\r\n"),
    );
  });
});

describe("configuration", () => {
  test("a uidl_format Dovecot's pop3 would refuse, or tls_listen without a certificate, is a config error", async () => {
    const bad = await pop3Fixture("loft-pop3-config-");
    try {
      const cases: [string[], RegExp][] = [
        [['uidl_format = "%u%x"'], /pop3\.uidl_format: unknown variable %x/],
        [['uidl_format = "%m"'], /pop3\.uidl_format: %m \(header MD5\) is not available for Maildir/],
      ];
      for (const [extra, message] of cases) {
        const out = await serveFailure(configFile(bad, extra), message);
        assert.match(out, message);
        assert.doesNotMatch(out, /loft started/);
      }
      const file = configFile(bad);
      writeFileSync(
        file,
        readFileSync(file, "utf8").replace('[tls]\ncert = "cert.pem"\nkey = "key.pem"\n', ""),
      );
      const out = await serveFailure(file, /pop3\.tls_listen: needs tls\.cert and tls\.key/);
      assert.match(out, /pop3\.tls_listen: needs tls\.cert and tls\.key/);
      assert.doesNotMatch(out, /loft started/);
    } finally {
      bad.remove();
    }
  });
});
