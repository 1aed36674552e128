import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { loft, tempDir } from "../helpers/cli.js";

const EX_CONFIG = 78;
const tmp = tempDir();
after(tmp.remove);

function configFile(name: string, text: string): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, text);
  return path;
}

describe("config errors: a clear message and exit 78", () => {
  test("TOML syntax error names file and line:column", async () => {
    const file = configFile("syntax.toml", 'mail_location = "maildir:~/Maildir"\n[auth\npasswd_file = "x"\n');
    const r = await loft(["config", "check", "-c", file]);
    assert.equal(r.code, EX_CONFIG);
    assert.match(r.stderr, new RegExp(`${file}:2:\\d+: TOML syntax error`));
  });

  test("unknown key, with a did-you-mean suggestion", async () => {
    const file = configFile("unknown.toml", '[auth]\npasswd_fil = "/etc/users"\n');
    const r = await loft(["config", "check", "-c", file]);
    assert.equal(r.code, EX_CONFIG);
    assert.match(r.stderr, /auth\.passwd_fil: unknown key; did you mean "auth\.passwd_file"\?/);
    assert.ok(r.stderr.includes(file));
  });

  test("unknown section", async () => {
    const r = await loft(["config", "check", "-c", configFile("section.toml", "[imapp]\nlisten = []\n")]);
    assert.equal(r.code, EX_CONFIG);
    assert.match(r.stderr, /imapp: unknown key; did you mean "imap"\?/);
  });

  test("wrong type names the key, what was expected and what was found", async () => {
    const r = await loft([
      "config",
      "check",
      "-c",
      configFile("type.toml", '[log]\nlevel = 3\n[auth]\nfailure_delay = "2s"\n'),
    ]);
    assert.equal(r.code, EX_CONFIG);
    assert.match(r.stderr, /log\.level: .*"info".*; found number 3/);
    assert.match(r.stderr, /auth\.failure_delay: .*; found the string "2s"/);
  });

  test("port out of range", async () => {
    const r = await loft([
      "config",
      "check",
      "-c",
      configFile("port.toml", '[imap]\nlisten = ["127.0.0.1:70000"]\n'),
    ]);
    assert.equal(r.code, EX_CONFIG);
    assert.match(
      r.stderr,
      /imap\.listen\[0\]: expected "host:port" with a port from 1 to 65535.*found "127\.0\.0\.1:70000"/,
    );
  });

  test("a missing file", async () => {
    const r = await loft(["config", "check", "-c", join(tmp.dir, "nope.toml")]);
    assert.equal(r.code, EX_CONFIG);
    assert.match(r.stderr, /cannot read config file .*nope\.toml: ENOENT/);
  });
});

describe("config check sees what serve would refuse at start-up", () => {
  test("unreadable TLS files, an unknown run-as account, mail format and password scheme", async () => {
    const file = configFile(
      "startup.toml",
      [
        'mail_location = "maildirr:~/Maildir"',
        'user = "no-such-account-here"',
        "[auth]",
        'default_pass_scheme = "SHA9000"',
        "[pop3]",
        'uidl_format = "%q%u"',
        "[tls]",
        'cert = "missing-cert.pem"',
        'key = "missing-key.pem"',
        "",
      ].join("\n"),
    );
    const r = await loft(["config", "check", "-c", file]);
    assert.equal(r.code, EX_CONFIG, r.stdout);
    assert.ok(r.stderr.includes(file));
    assert.match(r.stderr, /user: no account "no-such-account-here"/);
    assert.match(r.stderr, /tls\.cert: cannot read .*missing-cert\.pem/);
    assert.match(r.stderr, /mail_location: unsupported format "maildirr"/);
    assert.match(r.stderr, /auth\.default_pass_scheme: unknown password scheme "SHA9000"/);
    assert.match(r.stderr, /pop3\.uidl_format: unknown variable %q/);
    const serve = await loft(["serve", "-c", file]);
    assert.equal(serve.code, EX_CONFIG, "serve refuses it too");
    assert.equal(serve.stderr, r.stderr, "with the same words, naming the file");
  });
});

describe("choosing and showing the config", () => {
  test("-c wins over $LOFT_CONFIG, which wins over ./loft.toml, which wins over the default", async () => {
    const dir = tempDir();
    try {
      const a = configFile("a.toml", '[log]\nlevel = "debug"\n');
      const b = configFile("b.toml", '[log]\nlevel = "warn"\n');
      writeFileSync(join(dir.dir, "loft.toml"), '[log]\nlevel = "error"\n');
      const show = async (args: string[], env: NodeJS.ProcessEnv, cwd: string) =>
        (await loft(["config", "show", "-n", ...args], { env, cwd })).stdout;
      assert.match(await show(["-c", a], { LOFT_CONFIG: b }, dir.dir), /level = "debug"/);
      assert.match(await show([], { LOFT_CONFIG: b }, dir.dir), /level = "warn"/);
      assert.match(await show([], {}, dir.dir), /level = "error"/);
      const dflt = await loft(["config", "show"], { cwd: tmp.dir });
      assert.equal(dflt.code, 0);
      assert.match(dflt.stdout, /^# embedded default/);
      assert.match(dflt.stdout, /mail_location = "maildir:~\/Maildir"/);
      assert.match(dflt.stdout, /level = "info"/);
    } finally {
      dir.remove();
    }
  });

  test("show -n prints only what differs from the defaults; check says OK", async () => {
    const file = configFile("ok.toml", 'mail_location = "maildir:~/Mail:LAYOUT=fs"\n[log]\nlevel = "info"\n');
    const shown = await loft(["config", "show", "-n", "-c", file]);
    assert.equal(shown.code, 0);
    assert.match(shown.stdout, /mail_location = "maildir:~\/Mail:LAYOUT=fs"/);
    assert.doesNotMatch(shown.stdout, /level/);
    const check = await loft(["config", "check", "-c", file]);
    assert.equal(check.code, 0);
    assert.match(check.stdout, /OK/);
  });
});
