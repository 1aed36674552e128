import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeSaslResponse, findSaslMechanism, saslMechanisms } from "../../src/auth/index.js";

const b = (s: string) => Buffer.from(s, "utf8");

test("PLAIN with and without an initial response, with an authzid, and malformed messages", () => {
  const plain = findSaslMechanism("plain", true)!;
  assert.deepEqual(plain.start().step(b("\0jo\0sécret")), {
    done: { authzid: "", authcid: "jo", password: "sécret" },
  });
  const ex = plain.start();
  assert.deepEqual(ex.step(null), { challenge: Buffer.alloc(0) });
  assert.deepEqual(ex.step(b("admin\0jo\0pw")), {
    done: { authzid: "admin", authcid: "jo", password: "pw" },
  });
  for (const bad of ["jo\0pw", "\0\0pw", "a\0b\0c\0d", "\0jo\0\xff"]) {
    const step = plain.start().step(Buffer.from(bad, bad.includes("\xff") ? "latin1" : "utf8"));
    assert.ok("error" in step, JSON.stringify(bad));
  }
});

test("LOGIN asks Username: then Password:, and takes the user name as an initial response", () => {
  const login = findSaslMechanism("LOGIN", true)!;
  const ex = login.start();
  assert.equal((ex.step(null) as { challenge: Buffer }).challenge.toString(), "Username:");
  assert.equal((ex.step(b("jo")) as { challenge: Buffer }).challenge.toString(), "Password:");
  assert.deepEqual(ex.step(b("pw")), { done: { authcid: "jo", authzid: "", password: "pw" } });
  const ir = login.start();
  assert.equal((ir.step(b("jo")) as { challenge: Buffer }).challenge.toString(), "Password:");
  assert.deepEqual(ir.step(b("pw")), { done: { authcid: "jo", authzid: "", password: "pw" } });
});

test("plaintext mechanisms are not offered when plaintext auth is not allowed", () => {
  assert.deepEqual(
    saslMechanisms(true).map((m) => m.name),
    ["PLAIN", "LOGIN"],
  );
  assert.deepEqual(saslMechanisms(false), []);
  assert.equal(findSaslMechanism("PLAIN", false), undefined);
});

test("base64 responses: cancel, empty, strict decoding", () => {
  assert.deepEqual(decodeSaslResponse("*"), { cancel: true });
  assert.deepEqual(decodeSaslResponse("="), { data: Buffer.alloc(0) });
  assert.deepEqual(decodeSaslResponse("AGpvAHB3"), { data: b("\0jo\0pw") });
  for (const bad of ["AGpvAHB", "A=GpvAHB3", "not base64!", "AGpv\0"])
    assert.ok("error" in decodeSaslResponse(bad), bad);
});
