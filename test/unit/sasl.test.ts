import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { createServer as createTlsServer, type TLSSocket, connect as tlsConnect } from "node:tls";
import pino from "pino";
import {
  Authenticator,
  decodeSaslResponse,
  OAuth2Verifier,
  PasswdFile,
  SASL_MECHANISM_NAMES,
  startSasl,
} from "../../src/auth/index.js";
import { LoginGuard } from "../../src/auth/login-guard.js";
import { verifyJwt } from "../../src/auth/oauth2/jwt.js";
import { parseDigestDirectives } from "../../src/auth/sasl/digest-md5.js";
import { configSchema } from "../../src/config/index.js";

const dir = mkdtempSync(join(tmpdir(), "loft-sasl-unit-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const log = pino({ level: "silent" });

function authenticator(
  users: string,
  settings: Partial<ConstructorParameters<typeof Authenticator>[1]> = {},
) {
  const file = join(dir, `users-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, users);
  const db = PasswdFile.load(file, log);
  return {
    file,
    db,
    auth: new Authenticator(db, {
      usernameChars: "",
      mailLocation: "maildir:~/Maildir",
      defaultScheme: "PLAIN",
      failureDelayMs: 0,
      ...settings,
    }),
  };
}

test("the config accepts exactly the mechanisms Loft implements", () => {
  const parsed = configSchema.parse({ auth: { mechanisms: [...SASL_MECHANISM_NAMES] } });
  assert.deepEqual(parsed.auth.mechanisms, SASL_MECHANISM_NAMES);
  assert.throws(() => configSchema.parse({ auth: { mechanisms: ["GSSAPI"] } }));
});

test("base64 responses: cancel, empty, strict decoding", () => {
  assert.deepEqual(decodeSaslResponse("*"), { cancel: true });
  assert.deepEqual(decodeSaslResponse("="), { data: Buffer.alloc(0) });
  assert.deepEqual(decodeSaslResponse("AGpvAHB3"), { data: Buffer.from("\0jo\0pw") });
  for (const bad of ["AGpvAHB", "A=GpvAHB3", "not base64!", "AGpv\0"])
    assert.ok("error" in decodeSaslResponse(bad), bad);
});

test("PLAIN: malformed messages fail without reaching the passdb; an initial response logs in", async () => {
  const { auth } = authenticator("jo:{PLAIN}pw::::/home/jo\n");
  const conn = { remoteIp: "192.0.2.1", tls: null, plaintextAllowed: true };
  for (const bad of ["jo\0pw", "\0\0pw", "a\0b\0c\0d"]) {
    const s = startSasl(auth, "plain", conn, { finalInSuccess: false });
    assert.ok(typeof s !== "string");
    assert.equal((await s.step(Buffer.from(bad))).kind, "failure", JSON.stringify(bad));
  }
  const s = startSasl(auth, "PLAIN", conn, { finalInSuccess: false });
  assert.ok(typeof s !== "string");
  const outcome = await s.step(Buffer.from("\0jo\0pw"));
  assert.equal(outcome.kind, "success");
  assert.equal(
    startSasl(auth, "PLAIN", { ...conn, plaintextAllowed: false }, { finalInSuccess: false }),
    "encrypt",
  );
  assert.equal(startSasl(auth, "DIGEST-MD5", conn, { finalInSuccess: false }), "unsupported");
});

test("DIGEST-MD5 directives: quoted strings with escapes, tokens; duplicates and junk are refused", () => {
  const d = parseDigestDirectives('username="jo",realm="",nonce="a\\"b",nc=00000001,qop=auth');
  assert.equal(d?.get("nonce"), 'a"b');
  assert.equal(d?.get("nc"), "00000001");
  assert.equal(d?.get("realm"), "");
  assert.equal(parseDigestDirectives('username="a",username="b"'), null);
  assert.equal(parseDigestDirectives('username="a" junk'), null);
});

test("the penalty doubles per failure up to the cap, counts time already waited, and a success clears it", () => {
  const guard = new LoginGuard({ penaltyInitMs: 2000, penaltyMaxMs: 15_000, maxUnauthenticatedPerIp: 2 });
  const now = Date.now();
  assert.equal(guard.penaltyMs("192.0.2.1", now), 0);
  const expected = [2000, 4000, 8000, 15_000, 15_000];
  for (const ms of expected) {
    guard.failed("192.0.2.1");
    assert.ok(Math.abs(guard.penaltyMs("192.0.2.1", Date.now()) - ms) < 50);
  }
  assert.ok(guard.penaltyMs("192.0.2.1", Date.now() + 10_000) <= 5000);
  assert.equal(guard.penaltyMs("192.0.2.2"), 0);
  guard.succeeded("192.0.2.1");
  assert.equal(guard.penaltyMs("192.0.2.1"), 0);
  const a = guard.admitUnauthenticated("192.0.2.1");
  const b = guard.admitUnauthenticated("192.0.2.1");
  assert.ok(a && b);
  assert.equal(guard.admitUnauthenticated("192.0.2.1"), null);
  assert.ok(guard.admitUnauthenticated("192.0.2.2"));
  a();
  a();
  assert.ok(guard.admitUnauthenticated("192.0.2.1"));
  assert.equal(guard.admitUnauthenticated("192.0.2.1"), null);
});

test("nodelay answers a failure at once and costs the address no penalty", async () => {
  const { auth } = authenticator(
    "gone:{PLAIN}pw::::/home/gone::nologin nodelay reason=Moved\njo:{PLAIN}pw::::/h\n",
    {
      failureDelayMs: 300,
    },
  );
  const start = Date.now();
  const r = await auth.login("gone", "pw", "192.0.2.9");
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.userMessage, "Moved");
  assert.ok(Date.now() - start < 250);
  assert.equal(auth.guard.penaltyMs("192.0.2.9"), 0);
  await auth.login("jo", "wrong", "192.0.2.9");
  assert.ok(auth.guard.penaltyMs("192.0.2.9") > 0);
});

test("a reloaded authenticator keeps the penalties earned before, under the new limits", async () => {
  const { auth, db } = authenticator("jo:{PLAIN}pw::::/h\n");
  await auth.login("jo", "wrong", "192.0.2.10");
  const earned = auth.guard.penaltyMs("192.0.2.10");
  assert.ok(earned > 0);
  const config = configSchema.parse({ auth: { penalty_init: 4, penalty_max: 30 } });
  const reloaded = Authenticator.fromConfig(db, config, (p) => p, auth.guard);
  assert.ok(reloaded.guard.penaltyMs("192.0.2.10") > earned, "still owed, now from the new initial delay");
  assert.equal(Authenticator.fromConfig(db, config).guard.penaltyMs("192.0.2.10"), 0);
});

test("proxy and host extra fields come back with a successful login", async () => {
  const { auth } = authenticator("jo:{PLAIN}pw::::/h::proxy host=10.0.0.2 nologin\n");
  const r = await auth.authenticate("jo", "pw");
  assert.ok(r.ok);
  assert.deepEqual(r.passdb, { nodelay: false, proxy: true, host: "10.0.0.2" });
});

test("the auth cache keeps passdb answers, and a passwd-file reload clears it", async () => {
  const { auth, db, file } = authenticator("jo:{PLAIN}old::::/h\n", {
    cacheTtlMs: 60_000,
    cacheNegativeTtlMs: 60_000,
  });
  assert.ok((await auth.authenticate("jo", "old")).ok);
  writeFileSync(file, "jo:{PLAIN}new::::/h\n");
  // Without a reload the cached answer stands (the watcher is not running here).
  assert.ok((await auth.authenticate("jo", "old")).ok);
  db.reload();
  assert.equal((await auth.authenticate("jo", "old")).ok, false);
  assert.ok((await auth.authenticate("jo", "new")).ok);
});

const es = generateKeyPairSync("ec", { namedCurve: "P-256" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ed = generateKeyPairSync("ed25519");
const secret = Buffer.from("0123456789abcdef0123456789abcdef");
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

function token(alg: string, claims: Record<string, unknown>, kid?: string): string {
  const data = `${b64url({ alg, kid })}.${b64url(claims)}`;
  const bytes = Buffer.from(data);
  let sig: Buffer;
  if (alg === "HS256") sig = createHmac("sha256", secret).update(bytes).digest();
  else if (alg === "ES256") sig = sign("sha256", bytes, { key: es.privateKey, dsaEncoding: "ieee-p1363" });
  else if (alg === "RS256") sig = sign("sha256", bytes, rsa.privateKey);
  else if (alg === "EdDSA") sig = sign(null, bytes, ed.privateKey);
  else sig = Buffer.alloc(0);
  return `${data}.${sig.toString("base64url")}`;
}

test("JWTs: ES256, RS256, EdDSA and HS256 verify; alg none, a wrong key, a bad kid and expiry do not", async () => {
  const jwks = join(dir, "keys.json");
  writeFileSync(
    jwks,
    JSON.stringify({
      keys: [
        { ...es.publicKey.export({ format: "jwk" }), kid: "es" },
        { ...ed.publicKey.export({ format: "jwk" }), kid: "ed" },
        { kty: "oct", k: secret.toString("base64url"), kid: "hs" },
      ],
    }),
  );
  const pem = join(dir, "rsa.pem");
  writeFileSync(pem, rsa.publicKey.export({ format: "pem", type: "spki" }));
  const verifier = OAuth2Verifier.fromSettings({
    introspectionUrl: "",
    jwtKeys: [jwks, pem],
    usernameClaim: "sub",
    issuers: ["https://id.example"],
    audience: "mail",
  })!;
  const claims = { sub: "jo", iss: "https://id.example", aud: ["mail"], exp: Date.now() / 1000 + 60 };
  for (const [alg, kid] of [
    ["ES256", "es"],
    ["RS256", undefined],
    ["EdDSA", "ed"],
    ["HS256", "hs"],
  ] as const)
    assert.deepEqual(await verifier.verify(token(alg, claims, kid)), { ok: true, user: "jo" }, alg);
  const refused = [
    token("none", claims),
    token("ES256", claims, "ed"),
    token("HS256", claims, "es"),
    token("ES256", { ...claims, exp: Date.now() / 1000 - 1 }, "es"),
    token("ES256", { ...claims, iss: "https://evil.example" }, "es"),
    token("ES256", { ...claims, aud: "other" }, "es"),
    `${token("ES256", claims, "es")}x`,
    "not.a.jwt",
  ];
  for (const t of refused) assert.equal((await verifier.verify(t)).ok, false, t);
  assert.ok(
    "error" in verifyJwt(token("ES256", { sub: "jo", nbf: Date.now() / 1000 + 100 }, "es"), verifier.load()),
  );
});

test("OAuth2 introspection (RFC 7662): active tokens log in, inactive ones and HTTP errors do not", async () => {
  const seen: string[] = [];
  const http = createHttpServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      const t = new URLSearchParams(body).get("token") ?? "";
      seen.push(`${req.method} ${req.headers["content-type"]}`);
      if (t === "broken") return res.writeHead(500).end();
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(t === "good" ? { active: true, email: "jo@example.org" } : { active: false }));
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  const { port } = http.address() as { port: number };
  const verifier = OAuth2Verifier.fromSettings({
    introspectionUrl: `http://127.0.0.1:${port}/introspect`,
    jwtKeys: [],
    usernameClaim: "email",
    issuers: [],
    audience: "",
  })!;
  try {
    assert.deepEqual(await verifier.verify("good"), { ok: true, user: "jo@example.org" });
    assert.equal((await verifier.verify("stale")).ok, false);
    assert.equal((await verifier.verify("broken")).ok, false);
    assert.equal(seen[0], "POST application/x-www-form-urlencoded");
  } finally {
    http.close();
  }
});

test("EXTERNAL: a client certificate the CA signed logs in its commonName; without one it is not offered", async () => {
  const ssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  ssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-subj",
    "/CN=Test CA",
    "-days",
    "2",
  ]);
  ssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "srv.key",
    "-out",
    "srv.pem",
    "-subj",
    "/CN=localhost",
    "-days",
    "2",
  ]);
  ssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "jo.key", "-out", "jo.csr", "-subj", "/CN=jo"]);
  ssl([
    "x509",
    "-req",
    "-in",
    "jo.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "jo.pem",
    "-days",
    "2",
  ]);
  const { auth } = authenticator("jo:{SHA512-CRYPT}$6$x$y::::/home/jo\n", {
    mechanisms: ["EXTERNAL", "PLAIN"],
  });
  const read = (f: string) => readFileSync(join(dir, f));
  const server = createTlsServer({
    key: read("srv.key"),
    cert: read("srv.pem"),
    ca: read("ca.pem"),
    requestCert: true,
    rejectUnauthorized: false,
  });
  const sockets: Promise<TLSSocket>[] = [];
  const next = () => new Promise<TLSSocket>((resolve) => server.once("secureConnection", resolve));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  const dial = async (withCert: boolean) => {
    const accepted = next();
    const client = tlsConnect({
      port,
      host: "127.0.0.1",
      rejectUnauthorized: false,
      ...(withCert ? { key: read("jo.key"), cert: read("jo.pem") } : {}),
    });
    sockets.push(accepted);
    return { client, server: await accepted };
  };
  try {
    const withCert = await dial(true);
    const conn = { remoteIp: "127.0.0.1", tls: withCert.server, plaintextAllowed: true };
    const s = startSasl(auth, "EXTERNAL", conn, { finalInSuccess: false });
    assert.ok(typeof s !== "string");
    const ok = await s.step(Buffer.alloc(0));
    assert.equal(ok.kind, "success");
    assert.equal(ok.kind === "success" && ok.result.user.user, "jo");
    const other = startSasl(auth, "EXTERNAL", conn, { finalInSuccess: false });
    assert.ok(typeof other !== "string");
    assert.equal((await other.step(Buffer.from("someone-else"))).kind, "failure");
    const without = await dial(false);
    assert.equal(
      startSasl(auth, "EXTERNAL", { ...conn, tls: without.server }, { finalInSuccess: false }),
      "unsupported",
    );
    withCert.client.destroy();
    without.client.destroy();
  } finally {
    for (const s of await Promise.all(sockets)) s.destroy();
    server.close();
  }
});
