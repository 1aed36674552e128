import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { LOFT, loft, tempDir } from "../helpers/cli.js";

/** Starts `loft serve` in `cwd` and collects its output. */
function startServer(cwd: string, args: string[] = []) {
  const child = spawn(process.execPath, [LOFT, "serve", ...args], {
    cwd,
    env: { ...process.env, LOFT_CONFIG: "" },
  });
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<{ code: number | null; ms: number }>((resolve) => {
    let from = 0;
    child.on("spawn", () => {
      from = Date.now();
    });
    child.on("exit", (code) => resolve({ code, ms: Date.now() - from }));
  });
  const waitFor = async (re: RegExp, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (!re.test(out)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return re.exec(out)!;
  };
  return { child, exited, waitFor, output: () => out };
}

test("npm start's server in an empty directory: demo user printed once, stored hashed, exit 0 on SIGTERM", async () => {
  const tmp = tempDir();
  try {
    const server = startServer(tmp.dir);
    const m = await server.waitFor(/created user "demo" with password "([^"]+)"/);
    const password = m[1]!;
    await server.waitFor(/loft started/);
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
    const again = startServer(tmp.dir);
    await again.waitFor(/loft started/);
    again.child.kill("SIGINT");
    assert.equal((await again.exited).code, 0);
    assert.doesNotMatch(again.output(), /created user/);
    assert.ok(!again.output().includes(password));
  } finally {
    tmp.remove();
  }
});

test("SIGHUP reloads the config; a bad new config is logged and the old one kept", async () => {
  const tmp = tempDir();
  try {
    const config = join(tmp.dir, "loft.toml");
    writeFileSync(config, '[auth]\npasswd_file = "users"\n[log]\nformat = "json"\n');
    const server = startServer(tmp.dir, ["-c", config]);
    await server.waitFor(/loft started/);
    assert.ok(!existsSync(join(tmp.dir, "var", "users")), "no demo user with a config file");

    writeFileSync(config, '[auth]\npasswd_file = "users"\n[log]\nformat = "json"\nlevel = "debug"\n');
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
