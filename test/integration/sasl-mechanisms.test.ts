import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, createHmac, generateKeyPairSync, pbkdf2Sync, randomBytes, sign } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect as netConnect, type Socket } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { hashPassword } from "../../src/auth/index.js";
import { run, tempDir } from "../helpers/cli.js";
import { writeConfig } from "../helpers/config.js";
import { freePort, type RunningLoft, startLoft } from "../helpers/server.js";

// Every SASL mechanism against `loft serve` over IMAP, with real clients where one exists:
// curl for PLAIN, LOGIN, CRAM-MD5, DIGEST-MD5, OAUTHBEARER and XOAUTH2, Python's imaplib for
// SCRAM (and -PLUS with tls-server-end-point), a Node client for -PLUS with tls-exporter
// (Python's ssl module cannot export keying material).

const SCRAM_PY = new URL("../fixtures/auth/imap-scram.py", import.meta.url).pathname;
const tmp = tempDir("loft-sasl-");
let port: number;
let tlsPort: number;
let server: RunningLoft;
const jwtKey = generateKeyPairSync("ec", { namedCurve: "P-256" });

function jwt(claims: Record<string, unknown>, key = jwtKey.privateKey): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const data = `${enc({ alg: "ES256", typ: "JWT", kid: "k1" })}.${enc(claims)}`;
  const sig = sign("sha256", Buffer.from(data), { key, dsaEncoding: "ieee-p1363" });
  return `${data}.${sig.toString("base64url")}`;
}

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

before(async () => {
  const dir = tmp.dir;
  const home = (u: string) => {
    mkdirSync(join(dir, "home", u), { recursive: true });
    return join(dir, "home", u);
  };
  const line = (user: string, stored: string, extra = "") => `${user}:${stored}::::${home(user)}::${extra}`;
  writeFileSync(
    join(dir, "users"),
    [
      line("alice", "{PLAIN}alice-pw"),
      line("bob", await hashPassword("CRAM-MD5", "bob-pw")),
      line("carol", await hashPassword("SCRAM-SHA-256", "carol-pw")),
      line("dave", await hashPassword("SHA512-CRYPT", "dave-pw")),
      line("gone", "{PLAIN}gone-pw", "nologin reason=Moved"),
    ]
      .join("\n")
      .concat("\n"),
  );
  writeFileSync(join(dir, "masters"), "admin:{PLAIN}master-pw\n");
  writeFileSync(
    join(dir, "script.mjs"),
    [
      'import { appendFileSync } from "node:fs";',
      "export async function lookup(user) {",
      `  appendFileSync(${JSON.stringify(join(dir, "script-calls"))}, user + "\\n");`,
      "  if (user !== 'scripted') return null;",
      `  return { password: "{PLAIN}script-pw", userdb: { home: ${JSON.stringify(home("scripted"))} } };`,
      "}",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "jwks.json"),
    JSON.stringify({ keys: [{ ...jwtKey.publicKey.export({ format: "jwk" }), kid: "k1" }] }),
  );
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ].concat(["-subj", "/CN=localhost", "-days", "2"]),
    { stdio: "ignore" },
  );
  port = await freePort();
  tlsPort = await freePort();
  const config = writeConfig(join(dir, "loft.toml"), {
    state_dir: "state",
    auth: {
      passwd_file: "users",
      // Clients come from other 127.0.0.x addresses than the listener's, which (as in Dovecot) is not
      // a secured connection; plaintext is allowed so those addresses can log in without TLS.
      disable_plaintext_auth: false,
      failure_delay: 0.05,
      penalty_init: 0.1,
      penalty_max: 1.6,
      max_unauthenticated_per_ip: 4,
      mechanisms: [
        "PLAIN",
        "LOGIN",
        "CRAM-MD5",
        "DIGEST-MD5",
        "SCRAM-SHA-1",
        "SCRAM-SHA-1-PLUS",
        "SCRAM-SHA-256",
        "SCRAM-SHA-256-PLUS",
        "EXTERNAL",
        "OAUTHBEARER",
        "XOAUTH2",
        "ANONYMOUS",
      ],
      master_passwd_file: "masters",
      script: "script.mjs",
      cache_ttl: 60,
      cache_negative_ttl: 60,
      anonymous_username: "alice",
      oauth2: { jwt_keys: ["jwks.json"], username_claim: "email" },
    },
    imap: { listen: [`127.0.0.1:${port}`], tls_listen: [`127.0.0.1:${tlsPort}`] },
    tls: { cert: "cert.pem", key: "key.pem" },
  });
  server = startLoft(dir, ["-c", config]);
  await server.waitFor(/loft started/);
});

after(async () => {
  await server?.stop();
  tmp.remove();
});

/** curl logs in with the mechanism and lists the mailboxes; its exit code says how it went. */
async function curl(mechanism: string, args: string[]): Promise<number | null> {
  const r = await run(
    "curl",
    ["-s", "--max-time", "20", "--login-options", `AUTH=${mechanism}`, ...args, `imap://127.0.0.1:${port}/`],
    {
      timeoutMs: 30_000,
    },
  );
  return r.code;
}

const CURL_LOGIN_DENIED = 67;

describe("SASL mechanisms with real clients", () => {
  test("the greeting advertises what can work here, EXTERNAL and -PLUS not without TLS", async () => {
    const c = await rawImap(port);
    const greeting = await c.read(/^\* OK /m);
    for (const m of [
      "PLAIN",
      "LOGIN",
      "CRAM-MD5",
      "DIGEST-MD5",
      "SCRAM-SHA-1",
      "SCRAM-SHA-256",
      "OAUTHBEARER",
      "XOAUTH2",
      "ANONYMOUS",
    ])
      assert.match(greeting, new RegExp(` AUTH=${m}[ \\]]`), m);
    assert.doesNotMatch(greeting, /PLUS|EXTERNAL/);
    c.socket.destroy();
  });

  for (const [mechanism, user, password] of [
    ["PLAIN", "alice", "alice-pw"],
    ["LOGIN", "alice", "alice-pw"],
    ["CRAM-MD5", "alice", "alice-pw"],
    ["CRAM-MD5", "bob", "bob-pw"],
    ["DIGEST-MD5", "alice", "alice-pw"],
  ] as const) {
    test(`curl ${mechanism} as ${user}: right password in, wrong one out`, async () => {
      assert.equal(await curl(mechanism, ["-u", `${user}:${password}`]), 0);
      assert.equal(await curl(mechanism, ["-u", `${user}:wrong`]), CURL_LOGIN_DENIED);
    });
  }

  test("curl OAUTHBEARER with a JWT; a token signed by another key, expired, or for another user fails", async () => {
    const good = jwt({ email: "alice", exp: inAnHour() });
    const forged = jwt(
      { email: "alice", exp: inAnHour() },
      generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey,
    );
    const expired = jwt({ email: "alice", exp: Math.floor(Date.now() / 1000) - 10 });
    for (const mechanism of ["OAUTHBEARER"]) {
      assert.equal(await curl(mechanism, ["-u", "alice:", "--oauth2-bearer", good]), 0, mechanism);
      assert.equal(
        await curl(mechanism, ["-u", "alice:", "--oauth2-bearer", forged]),
        CURL_LOGIN_DENIED,
        mechanism,
      );
      assert.equal(
        await curl(mechanism, ["-u", "alice:", "--oauth2-bearer", expired]),
        CURL_LOGIN_DENIED,
        mechanism,
      );
      // A good token for alice does not log in bob.
      assert.equal(
        await curl(mechanism, ["-u", "bob:", "--oauth2-bearer", good]),
        CURL_LOGIN_DENIED,
        mechanism,
      );
    }
    // curl really used the mechanism: the server logged a login with it.
    assert.match(server.output(), /"mechanism":"OAUTHBEARER"[^\n]*"logged in"/);
  });

  test("a user whose passdb holds a one-way hash cannot use CRAM-MD5 or SCRAM, and fails like a wrong password", async () => {
    assert.equal(await curl("CRAM-MD5", ["-u", "dave:dave-pw"]), CURL_LOGIN_DENIED);
    assert.equal(await curl("PLAIN", ["-u", "dave:dave-pw"]), 0);
    assert.match(await scramPy([String(port), "SCRAM-SHA-256", "dave", "dave-pw"]), /^NO/);
  });

  for (const mechanism of ["SCRAM-SHA-1", "SCRAM-SHA-256"]) {
    test(`imaplib ${mechanism}: cleartext and stored verifiers, wrong password refused`, async () => {
      assert.equal(await scramPy([String(port), mechanism, "alice", "alice-pw"]), "OK");
      assert.match(await scramPy([String(port), mechanism, "alice", "nope"]), /^NO .*AUTHENTICATIONFAILED/);
      assert.match(await scramPy([String(port), mechanism, "nobody", "nope"]), /^NO .*AUTHENTICATIONFAILED/);
    });
  }

  test("imaplib SCRAM-SHA-256 against a stored {SCRAM-SHA-256} verifier", async () => {
    assert.equal(await scramPy([String(port), "SCRAM-SHA-256", "carol", "carol-pw"]), "OK");
    assert.match(await scramPy([String(port), "SCRAM-SHA-256", "carol", "x"]), /^NO/);
  });

  test("imaplib SCRAM-SHA-256-PLUS over TLS with tls-server-end-point; a wrong binding fails", async () => {
    assert.equal(
      await scramPy([String(tlsPort), "SCRAM-SHA-256-PLUS", "alice", "alice-pw", "tls", "cb=good"]),
      "OK",
    );
    assert.match(
      await scramPy([String(tlsPort), "SCRAM-SHA-256-PLUS", "alice", "alice-pw", "tls", "cb=bad"]),
      /^NO .*AUTHENTICATIONFAILED/,
    );
    assert.equal(
      await scramPy([String(tlsPort), "SCRAM-SHA-1-PLUS", "alice", "alice-pw", "tls", "cb=good"]),
      "OK",
    );
  });

  test("SCRAM-SHA-256-PLUS with tls-exporter (RFC 9266) from a Node client; other keying material fails", async () => {
    assert.equal(await scramExporter(false), "OK");
    assert.match(await scramExporter(true), /^NO /);
  });

  test("ANONYMOUS logs in as auth.anonymous_username", async () => {
    const c = await rawImap(port);
    await c.read(/^\* OK /m);
    c.socket.write(`a AUTHENTICATE ANONYMOUS ${Buffer.from("tester").toString("base64")}\r\n`);
    assert.match(await c.read(/^a /m), /^a OK /m);
    c.socket.destroy();
  });
});

describe("users", () => {
  test("a master user logs in as another user: user*master and a SASL authzid", async () => {
    assert.equal(await curl("PLAIN", ["-u", "alice*admin:master-pw"]), 0);
    assert.equal(await curl("PLAIN", ["-u", "admin:master-pw", "--sasl-authzid", "alice"]), 0);
    assert.equal(await curl("LOGIN", ["-u", "dave*admin:master-pw"]), 0);
    assert.equal(await curl("PLAIN", ["-u", "alice*admin:alice-pw"]), CURL_LOGIN_DENIED);
    assert.equal(await curl("PLAIN", ["-u", "nobody*admin:master-pw"]), CURL_LOGIN_DENIED);
    // Without a master passdb entry the authzid belongs to nobody who may use it.
    assert.equal(await curl("PLAIN", ["-u", "bob:bob-pw", "--sasl-authzid", "alice"]), CURL_LOGIN_DENIED);
  });

  test("nologin with reason: the right password gets the reason, not a login", async () => {
    const c = await rawImap(port);
    await c.read(/^\* OK /m);
    c.socket.write("a LOGIN gone gone-pw\r\n");
    assert.match(await c.read(/^a /m), /^a NO \[AUTHENTICATIONFAILED\] Moved/m);
    c.socket.destroy();
  });

  test("the script passdb logs its user in; the auth cache answers the second login without the script", async () => {
    const calls = () =>
      readFileSync(join(tmp.dir, "script-calls"), "utf8")
        .split("\n")
        .filter((u) => u === "scripted").length;
    assert.equal(await curl("PLAIN", ["-u", "scripted:script-pw"]), 0);
    assert.equal(calls(), 1);
    assert.equal(await curl("PLAIN", ["-u", "scripted:script-pw"]), 0);
    assert.equal(await curl("CRAM-MD5", ["-u", "scripted:script-pw"]), 0);
    assert.equal(calls(), 1);
    assert.equal(await curl("PLAIN", ["-u", "scripted:wrong"]), CURL_LOGIN_DENIED);
  });
});

describe("guessing resistance", () => {
  test("ten wrong passwords from one address slow its next attempts, not another address's", async () => {
    for (let i = 0; i < 10; i++)
      assert.match(await timedLogin("127.0.0.2", "alice", "wrong").then((r) => r.reply), / NO /);
    const slowed = await timedLogin("127.0.0.2", "alice", "wrong");
    const other = await timedLogin("127.0.0.3", "alice", "wrong");
    assert.ok(slowed.ms >= 1000, `penalised address answered after ${slowed.ms} ms`);
    assert.ok(other.ms < 800, `other address answered after ${other.ms} ms`);
    // The penalty delays even the right password once; the success then clears it.
    const right = await timedLogin("127.0.0.2", "alice", "alice-pw");
    assert.match(right.reply, / OK /);
    const after = await timedLogin("127.0.0.2", "alice", "wrong");
    assert.ok(after.ms < 800, `after a success the address answered after ${after.ms} ms`);
  });

  test("an unknown user and a wrong password get the same answer", async () => {
    const unknown = await timedLogin("127.0.0.5", "nobody", "wrong");
    const wrong = await timedLogin("127.0.0.6", "alice", "wrong");
    assert.equal(unknown.reply, wrong.reply);
  });

  test("unauthenticated connections per address are limited; logging in frees the slot", async () => {
    const open = [] as ImapClient[];
    for (let i = 0; i < 4; i++) {
      const c = await rawImap(port, "127.0.0.7");
      await c.read(/^\* OK /m);
      open.push(c);
    }
    const refused = await rawImap(port, "127.0.0.7");
    assert.match(await refused.read(/^\* BYE /m), /Too many connections from your address/);
    const elsewhere = await rawImap(port, "127.0.0.8");
    assert.match(await elsewhere.read(/^\* OK /m), /^\* OK /m);
    elsewhere.socket.destroy();
    open[0]!.socket.write("a LOGIN alice alice-pw\r\n");
    assert.match(await open[0]!.read(/^a /m), /^a OK /m);
    const admitted = await rawImap(port, "127.0.0.7");
    assert.match(await admitted.read(/^\* OK /m), /^\* OK /m);
    for (const c of [...open, admitted, refused]) c.socket.destroy();
  });
});

interface ImapClient {
  socket: Socket;
  read(end: RegExp, ms?: number): Promise<string>;
}

function clientOn(socket: Socket): ImapClient {
  let data = "";
  let closed = false;
  socket.setEncoding("latin1");
  socket.on("data", (d: string) => {
    data += d;
  });
  socket.on("error", () => {});
  socket.on("close", () => {
    closed = true;
  });
  return {
    socket,
    async read(end, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = end.exec(data);
        if (m) {
          const nl = data.indexOf("\n", m.index);
          if (nl >= 0) {
            const out = data.slice(0, nl + 1);
            data = data.slice(nl + 1);
            return out;
          }
        }
        if (closed) throw new Error(`closed before ${end}: ${data}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${end}: ${data}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}

function rawImap(p: number, localAddress = "127.0.0.1"): Promise<ImapClient> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ port: p, host: "127.0.0.1", localAddress }, () => resolve(clientOn(socket)));
    socket.once("error", reject);
  });
}

/** LOGIN from `localAddress`; the time from sending it to the tagged answer. */
async function timedLogin(localAddress: string, user: string, password: string) {
  const c = await rawImap(port, localAddress);
  await c.read(/^\* OK /m);
  const start = Date.now();
  c.socket.write(`a LOGIN ${user} ${password}\r\n`);
  const reply = (await c.read(/^a /m)).split("\r\n").find((l) => l.startsWith("a ")) ?? "";
  const ms = Date.now() - start;
  c.socket.destroy();
  return { reply, ms };
}

async function scramPy(args: string[]): Promise<string> {
  const r = await run("python3", [SCRAM_PY, ...args], { timeoutMs: 30_000 });
  assert.equal(r.stderr, "", r.stderr);
  return r.stdout.trim();
}

/** SCRAM-SHA-256-PLUS with tls-exporter; `tamper` flips the binding data. */
async function scramExporter(tamper: boolean): Promise<string> {
  const socket: TLSSocket = await new Promise((resolve, reject) => {
    const s = tlsConnect({ port: tlsPort, host: "127.0.0.1", rejectUnauthorized: false }, () => resolve(s));
    s.once("error", reject);
  });
  assert.equal(socket.getProtocol(), "TLSv1.3");
  const c = clientOn(socket);
  await c.read(/^\* OK /m);
  assert.match(
    await (async () => {
      socket.write("c CAPABILITY\r\n");
      return c.read(/^c OK/m);
    })(),
    /AUTH=SCRAM-SHA-256-PLUS/,
  );
  const cb = socket.exportKeyingMaterial(32, "EXPORTER-Channel-Binding", Buffer.alloc(0));
  if (tamper) cb[0]! ^= 1;
  const gs2 = "p=tls-exporter,,";
  const bare = `n=alice,r=${randomBytes(12).toString("base64")}`;
  socket.write(`a AUTHENTICATE SCRAM-SHA-256-PLUS ${Buffer.from(gs2 + bare).toString("base64")}\r\n`);
  const first = Buffer.from((await c.read(/^\+ /m)).trim().slice(2), "base64").toString();
  const attrs = Object.fromEntries(first.split(",").map((a) => [a[0], a.slice(2)]));
  const salted = pbkdf2Sync("alice-pw", Buffer.from(attrs.s!, "base64"), Number(attrs.i), 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const withoutProof = `c=${Buffer.concat([Buffer.from(gs2), cb]).toString("base64")},r=${attrs.r}`;
  const authMessage = `${bare},${first},${withoutProof}`;
  const signature = createHmac("sha256", storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
  socket.write(`${Buffer.from(`${withoutProof},p=${proof.toString("base64")}`).toString("base64")}\r\n`);
  const answer = await c.read(/^(\+ |a )/m);
  if (answer.startsWith("+ ")) {
    socket.write("\r\n");
    const done = await c.read(/^a /m);
    socket.destroy();
    return done.startsWith("a OK") ? "OK" : `NO ${done}`;
  }
  socket.destroy();
  return answer.startsWith("a OK") ? "OK" : `NO ${answer}`;
}

// curl 7.88 sends OAUTHBEARER whenever it is offered, whatever --login-options says, so XOAUTH2
// needs a server that offers only it; the same server shows POP3 and ManageSieve use the mechanisms.
describe("XOAUTH2 alone, POP3 AUTH and ManageSieve AUTHENTICATE", () => {
  let other: RunningLoft;
  const ports = { imap: 0, pop3: 0, sieve: 0 };

  before(async () => {
    for (const p of ["imap", "pop3", "sieve"] as const) ports[p] = await freePort();
    const config = writeConfig(join(tmp.dir, "other.toml"), {
      state_dir: "state-other",
      auth: {
        passwd_file: "users",
        failure_delay: 0.05,
        mechanisms: ["PLAIN", "CRAM-MD5", "SCRAM-SHA-256", "XOAUTH2"],
        oauth2: { jwt_keys: ["jwks.json"] },
      },
      imap: { listen: [`127.0.0.1:${ports.imap}`] },
      pop3: { listen: [`127.0.0.1:${ports.pop3}`] },
      managesieve: { listen: [`127.0.0.1:${ports.sieve}`] },
    });
    other = startLoft(tmp.dir, ["-c", config]);
    await other.waitFor(/loft started/);
  });

  after(async () => {
    await other?.stop();
  });

  const curlAt = async (url: string, mechanism: string, args: string[]) =>
    (
      await run("curl", ["-s", "--max-time", "20", "--login-options", `AUTH=${mechanism}`, ...args, url], {
        timeoutMs: 30_000,
      })
    ).code;

  test("curl XOAUTH2 over IMAP: a good token in, another user's out", async () => {
    const url = `imap://127.0.0.1:${ports.imap}/`;
    const token = jwt({ email: "alice", exp: inAnHour() });
    assert.equal(await curlAt(url, "XOAUTH2", ["-u", "alice:", "--oauth2-bearer", token]), 0);
    assert.equal(await curlAt(url, "XOAUTH2", ["-u", "bob:", "--oauth2-bearer", token]), CURL_LOGIN_DENIED);
    assert.match(other.output(), /"mechanism":"XOAUTH2"[^\n]*"logged in"/);
  });

  test("curl POP3 AUTH CRAM-MD5 against a stored {CRAM-MD5} hash; a wrong password fails", async () => {
    const url = `pop3://127.0.0.1:${ports.pop3}/`;
    assert.equal(await curlAt(url, "CRAM-MD5", ["-u", "bob:bob-pw"]), 0);
    assert.equal(await curlAt(url, "CRAM-MD5", ["-u", "bob:nope"]), CURL_LOGIN_DENIED);
  });

  test("sieve-connect CRAM-MD5 lists scripts; a wrong password fails", async () => {
    const sieve = (password: string) =>
      run(
        "sieve-connect",
        [
          "-s",
          "127.0.0.1",
          "-p",
          String(ports.sieve),
          "-u",
          "alice",
          "--passwordfd",
          "0",
          "--clearchan",
        ].concat(["--authmech", "CRAM-MD5", "--list"]),
        { input: `${password}\n`, timeoutMs: 20_000 },
      );
    assert.equal((await sieve("alice-pw")).code, 0);
    assert.notEqual((await sieve("nope")).code, 0);
  });

  test("ManageSieve SCRAM-SHA-256 ends with the server's verifier in OK (SASL ...)", async () => {
    const c = await rawImap(ports.sieve);
    await c.read(/^OK /m);
    const bare = `n=carol,r=${randomBytes(12).toString("base64")}`;
    c.socket.write(`AUTHENTICATE "SCRAM-SHA-256" "${Buffer.from(`n,,${bare}`).toString("base64")}"\r\n`);
    const first = Buffer.from(JSON.parse((await c.read(/^"/m)).trim()), "base64").toString();
    const attrs = Object.fromEntries(first.split(",").map((a) => [a[0], a.slice(2)]));
    const salted = pbkdf2Sync("carol-pw", Buffer.from(attrs.s!, "base64"), Number(attrs.i), 32, "sha256");
    const clientKey = createHmac("sha256", salted).update("Client Key").digest();
    const withoutProof = `c=biws,r=${attrs.r}`;
    const authMessage = `${bare},${first},${withoutProof}`;
    const signature = createHmac("sha256", createHash("sha256").update(clientKey).digest())
      .update(authMessage)
      .digest();
    const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
    c.socket.write(
      `"${Buffer.from(`${withoutProof},p=${proof.toString("base64")}`).toString("base64")}"\r\n`,
    );
    const ok = await c.read(/^(OK|NO)/m);
    const serverKey = createHmac("sha256", salted).update("Server Key").digest();
    const verifier = `v=${createHmac("sha256", serverKey).update(authMessage).digest("base64")}`;
    assert.equal(ok.trim(), `OK (SASL "${Buffer.from(verifier).toString("base64")}") "Logged in."`);
    c.socket.destroy();
  });
});
