import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { loft, tempDir } from "../helpers/cli.js";
import { writeConfig } from "../helpers/config.js";
import { LineClient } from "../helpers/line-client.js";
import { freePort, startLoft } from "../helpers/server.js";

test("npm start's server in an empty directory: demo user printed once, stored hashed, exit 0 on SIGTERM", async () => {
  const tmp = tempDir();
  const server = startLoft(tmp.dir);
  try {
    const m = await server.waitFor(/created user "demo" with password "([^"]+)"/);
    const password = m[1]!;
    // 96 random bits in hex: never a leading "-" that `loft auth test demo PASSWORD` takes for an option.
    assert.match(password, /^[0-9a-f]{24}$/);
    await server.waitFor(/loft started/);
    // The embedded default serves every protocol on loopback's high ports.
    for (const [port, greeting] of [
      [1143, /^\* OK /],
      [1110, /^\+OK /],
      [2424, /^220 /],
      [4190, /^OK /],
    ] as const) {
      const client = await LineClient.open(port);
      assert.match(await client.readUntil(greeting), new RegExp(greeting.source, "m"), `port ${port}`);
      client.close();
    }
    const users = readFileSync(join(tmp.dir, "var", "users"), "utf8");
    assert.match(users, /^demo:\{ARGON2ID\}\$argon2id\$/);
    assert.ok(!users.includes(password), "the password is stored hashed");
    assert.equal(statSync(join(tmp.dir, "var", "users")).mode & 0o777, 0o600);
    assert.equal(statSync(join(tmp.dir, "var")).mode & 0o777, 0o700);

    const stopAt = Date.now();
    server.child.kill("SIGTERM");
    const { code } = await server.exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - stopAt < 5000, "stopped within 5 s");

    const auth = await loft(["auth", "test", "demo", password], { cwd: tmp.dir });
    assert.equal(auth.code, 0, auth.stdout + auth.stderr);
    assert.match(auth.stdout, /passdb: demo auth succeeded/);

    // A second start keeps the user and prints no new password.
    const again = startLoft(tmp.dir);
    await again.waitFor(/loft started/);
    again.child.kill("SIGINT");
    assert.equal((await again.exited).code, 0);
    assert.doesNotMatch(again.output(), /created user/);
    assert.ok(!again.output().includes(password));
  } finally {
    await server.stop();
    tmp.remove();
  }
});

test("SIGHUP reloads the config; a bad new config is logged and the old one kept", async () => {
  const tmp = tempDir();
  try {
    const config = join(tmp.dir, "loft.toml");
    writeConfig(config, { auth: { passwd_file: "users" } });
    const server = startLoft(tmp.dir, ["-c", config]);
    await server.waitFor(/loft started/);
    assert.ok(!existsSync(join(tmp.dir, "var", "users")), "no demo user with a config file");

    writeConfig(config, { auth: { passwd_file: "users" }, log: { level: "debug" } });
    server.child.kill("SIGHUP");
    await server.waitFor(/config reloaded/);

    writeFileSync(config, "[log\n");
    server.child.kill("SIGHUP");
    await server.waitFor(/reload failed: keeping the running config/);
    assert.match(server.output(), /loft\.toml:1:\d+: TOML syntax error/);

    server.child.kill("SIGTERM");
    assert.equal((await server.exited).code, 0);
  } finally {
    tmp.remove();
  }
});

test("SIGHUP with new auth settings: a listener whose own section did not change logs in the new file's users", async () => {
  const tmp = tempDir();
  try {
    const port = await freePort();
    const config = join(tmp.dir, "loft.toml");
    writeFileSync(join(tmp.dir, "old-users"), `ann:{PLAIN}ann-pw::::${join(tmp.dir, "ann")}::\n`);
    writeFileSync(join(tmp.dir, "new-users"), `bob:{PLAIN}bob-pw::::${join(tmp.dir, "bob")}::\n`);
    const settings = (file: string) => ({
      auth: { passwd_file: file, disable_plaintext_auth: false, failure_delay: 0 },
      imap: { listen: [`127.0.0.1:${port}`] },
    });
    writeConfig(config, settings("old-users"));
    const server = startLoft(tmp.dir, ["-c", config]);
    try {
      await server.waitFor(/loft started/);
      const login = async (user: string, password: string) => {
        const c = await LineClient.open(port);
        await c.readUntil(/^\* OK /m);
        c.send(`a LOGIN ${user} ${password}\r\n`);
        const reply = await c.readUntil(/^a (OK|NO|BAD)/m);
        c.close();
        return reply;
      };
      assert.match(await login("ann", "ann-pw"), /^a OK/m);
      writeConfig(config, settings("new-users"));
      server.child.kill("SIGHUP");
      await server.waitFor(/config reloaded/);
      assert.match(await login("bob", "bob-pw"), /^a OK/m, "the reloaded passwd-file is used");
      assert.match(await login("ann", "ann-pw"), /^a NO/m, "the old one is not");
    } finally {
      await server.stop();
    }
  } finally {
    tmp.remove();
  }
});

test("a root server becomes the configured user after binding its ports", {
  skip: process.getuid?.() !== 0 && "needs root",
}, async () => {
  const tmp = tempDir();
  try {
    const { chmodSync } = await import("node:fs");
    chmodSync(tmp.dir, 0o755);
    const port = await freePort();
    const config = join(tmp.dir, "loft.toml");
    // Port 410 needs root to bind; the process then runs as `mail`.
    writeConfig(config, {
      user: "mail",
      auth: { passwd_file: "users" },
      managesieve: { listen: [`127.0.0.1:${port}`, "127.0.0.1:410"] },
    });
    writeFileSync(join(tmp.dir, "users"), "");
    chmodSync(join(tmp.dir, "users"), 0o644);
    const server = startLoft(tmp.dir, ["-c", config]);
    await server.waitFor(/loft started/);
    const status = readFileSync(`/proc/${server.child.pid}/status`, "utf8");
    assert.match(status, /^Uid:\s+8\s+8\s+8\s+8$/m);
    assert.match(status, /^Gid:\s+8\s+8\s+8\s+8$/m);
    const c = await LineClient.open(410);
    assert.match(await c.readUntil(/^OK /), /ready/);
    c.close();
    assert.equal(await server.stop(), 0);
  } finally {
    tmp.remove();
  }
});

test("a listener that cannot start stops the server with a clear error instead of leaving it half up", async () => {
  const tmp = tempDir();
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
  const { port } = busy.address() as { port: number };
  try {
    const config = join(tmp.dir, "loft.toml");
    writeConfig(config, { auth: { passwd_file: "users" }, managesieve: { listen: [`127.0.0.1:${port}`] } });
    const r = await loft(["serve", "-c", config], { timeoutMs: 15_000 });
    assert.equal(r.code, 71, "EX_OSERR, and the process exited by itself");
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
  } finally {
    await new Promise((r) => busy.close(r));
    tmp.remove();
  }
});
