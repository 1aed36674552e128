// SASL EXTERNAL through a running `loft serve`: with `[tls] ca` the listener asks for a client
// certificate, and curl presenting one the CA signed logs in as its commonName.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { run, tempDir } from "../helpers/cli.js";
import { writeConfig } from "../helpers/config.js";
import { freePort, type RunningLoft, startLoft } from "../helpers/server.js";

const tmp = tempDir("loft-external-");
const certs = join(tmp.dir, "certs");
let server: RunningLoft;
let port: number;

function openssl(args: string[]): void {
  execFileSync("openssl", args, { cwd: certs, stdio: "ignore" });
}

/** A key and a certificate for CN, signed by the test CA (or self-signed when `ca` is false). */
function clientCert(name: string, cn: string, ca: boolean): void {
  openssl(
    [
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      `${name}.key`,
    ].concat(["-out", `${name}.csr`, "-subj", `/CN=${cn}`]),
  );
  const signer = ca ? ["-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial"] : ["-signkey", `${name}.key`];
  openssl(["x509", "-req", "-in", `${name}.csr`, ...signer, "-out", `${name}.crt`, "-days", "2"]);
}

before(async () => {
  mkdirSync(certs);
  for (const [name, cn] of [
    ["ca", "Loft Test CA"],
    ["server", "loft.test"],
  ] as const) {
    openssl(
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat([
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.crt`,
        "-subj",
        `/CN=${cn}`,
        "-days",
        "2",
      ]),
    );
  }
  clientCert("jo", "jo", true);
  clientCert("forged", "jo", false);
  writeFileSync(join(tmp.dir, "users"), `jo:{PLAIN}secret::::${join(tmp.dir, "home", "jo")}::\n`);
  port = await freePort();
  writeConfig(join(tmp.dir, "loft.toml"), {
    auth: { passwd_file: "users", failure_delay: 0, penalty_max: 0.3, mechanisms: ["EXTERNAL", "PLAIN"] },
    tls: { cert: "certs/server.crt", key: "certs/server.key", ca: "certs/ca.crt" },
    imap: { listen: [], tls_listen: [`127.0.0.1:${port}`] },
  });
  server = startLoft(tmp.dir, ["-c", "loft.toml"]);
  await server.waitFor(/loft started/);
});

after(async () => {
  await server?.stop();
  tmp.remove();
});

/** curl's exit code for an IMAP login with EXTERNAL presenting certificate NAME (or none). */
async function curlExternal(name: string | undefined): Promise<number | null> {
  const cert =
    name === undefined ? [] : ["--cert", join(certs, `${name}.crt`), "--key", join(certs, `${name}.key`)];
  const r = await run(
    "curl",
    [
      "-sS",
      "-k",
      "--login-options",
      "AUTH=EXTERNAL",
      "-u",
      "jo:",
      ...cert,
      `imaps://127.0.0.1:${port}/INBOX`,
      "-X",
      "NOOP",
    ],
    { timeoutMs: 20_000 },
  );
  return r.code;
}

test("EXTERNAL logs in the user a CA-signed client certificate names", async () => {
  assert.equal(await curlExternal("jo"), 0);
});

test("EXTERNAL fails with a certificate the CA did not sign, and without a certificate", async () => {
  assert.notEqual(await curlExternal("forged"), 0);
  assert.notEqual(await curlExternal(undefined), 0);
});
