import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parseConfigText } from "../../src/config/index.js";
import { TlsCertificates, type TlsSettings } from "../../src/net/index.js";
import { tempDir } from "../helpers/cli.js";

const tmp = tempDir("loft-tls-unit-");
const pem = (name: string) => join(tmp.dir, name);

before(() => {
  for (const name of ["a", "b"])
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "2",
      ].concat(["-subj", `/CN=${name}.test`, "-keyout", pem(`${name}.key`), "-out", pem(`${name}.crt`)]),
      { stdio: "ignore" },
    );
});

after(() => tmp.remove());

const base = (): TlsSettings => ({ cert: pem("a.crt"), key: pem("a.key"), minVersion: "TLSv1.2" });

test("a missing or mismatched file is an error naming the key and the file", () => {
  assert.throws(
    () =>
      TlsCertificates.load({
        ...base(),
        sni: [{ name: "b.test", cert: pem("nope.crt"), key: pem("b.key") }],
      }),
    /^Error: tls\.sni\[0\]\.cert: cannot read .*nope\.crt: ENOENT/,
  );
  assert.throws(
    () => TlsCertificates.load({ ...base(), key: pem("b.key") }),
    /tls\.cert .*a\.crt \/ tls\.key .*b\.key/,
  );
  assert.throws(
    () => TlsCertificates.load({ ...base(), ciphers: "NO-SUCH-CIPHER" }),
    /^Error: tls\.ciphers: /,
  );
});

test("mode no, or no certificate: TLS off; required only with TLS on", () => {
  assert.equal(TlsCertificates.load({ ...base(), mode: "no" }).enabled, false);
  assert.equal(TlsCertificates.load({ ...base(), cert: "", key: "" }).enabled, false);
  const required = TlsCertificates.load({ ...base(), mode: "required" });
  assert.equal(required.enabled && required.required, true);
});

test("SNI: exact names, then *.parent for one label, else the default", () => {
  const certs = TlsCertificates.load({
    ...base(),
    sni: [
      { name: "b.test", cert: pem("b.crt"), key: pem("b.key") },
      { name: "*.wild.test", cert: pem("b.crt"), key: pem("b.key") },
    ],
  });
  const fallback = certs.contextFor("");
  assert.notEqual(certs.contextFor("B.TEST."), fallback);
  assert.notEqual(certs.contextFor("x.wild.test"), fallback);
  assert.equal(certs.contextFor("wild.test"), fallback);
  assert.equal(certs.contextFor("a.b.test"), fallback);
});

test("a failed reload keeps the certificates in use", () => {
  const certs = TlsCertificates.load(base());
  const before = certs.contextFor("");
  writeFileSync(pem("broken.crt"), "not a certificate\n");
  assert.throws(() => certs.reload({ ...base(), cert: pem("broken.crt") }), /tls\.cert/);
  assert.equal(certs.contextFor(""), before);
  assert.deepEqual(
    certs.files().map((f) => f.key),
    ["tls.cert", "tls.key"],
  );
});

test("config: [[tls.sni]] and tls.mode are checked with the key in the message", () => {
  const bad = (text: string, re: RegExp) => assert.throws(() => parseConfigText(text, "loft.toml"), re);
  bad('[[tls.sni]]\nname = "bad name"\ncert = "c"\nkey = "k"\n', /tls\.sni\[0\]\.name: expected a host name/);
  bad('[[tls.sni]]\nname = "a.test"\ncert = "c"\n', /tls\.sni\[0\]\.key: /);
  bad('[tls]\nmode = "required"\n', /tls: tls\.mode = "required" needs tls\.cert and tls\.key/);
  bad('[tls]\nmode = "maybe"\n', /tls\.mode: /);
  bad(
    '[managesieve]\ntls_listen = ["127.0.0.1:5190"]\n',
    /managesieve\.tls_listen: needs tls\.cert and tls\.key/,
  );
  const { config } = parseConfigText(
    '[tls]\ncert = "c"\nkey = "k"\n[[tls.sni]]\nname = "*.example.org"\ncert = "e"\nkey = "f"\n',
    "loft.toml",
  );
  assert.deepEqual(config.tls.sni, [{ name: "*.example.org", cert: "e", key: "f" }]);
});
