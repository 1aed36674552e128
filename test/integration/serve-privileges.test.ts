// `loft serve` started as root: it binds, then becomes the configured account (checked from
// /proc); without an account it refuses to listen beyond loopback. Runs only as root (CI).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loft, tempDir } from "../helpers/cli.js";
import { writeConfig } from "../helpers/config.js";
import { LineClient } from "../helpers/line-client.js";
import { freePort, startLoft } from "../helpers/server.js";

const ACCOUNT = "loft-test-vmail";
const isRoot = process.geteuid?.() === 0;
let created = false;
let uid = -1;
let gid = -1;
const tmp = tempDir("loft-priv-");

function lookup(name: string): string[] | undefined {
  return readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .map((l) => l.split(":"))
    .find((f) => f[0] === name);
}

before(() => {
  if (!isRoot) return;
  if (!lookup(ACCOUNT)) {
    execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", ACCOUNT]);
    created = true;
  }
  const entry = lookup(ACCOUNT)!;
  uid = Number(entry[2]);
  gid = Number(entry[3]);
  // The account must reach the config directory; the mail directory is its own, as for vmail.
  chmodSync(tmp.dir, 0o755);
  mkdirSync(join(tmp.dir, "mail"));
  chownSync(join(tmp.dir, "mail"), uid, gid);
  writeFileSync(join(tmp.dir, "users"), `kim:{PLAIN}secret::::${join(tmp.dir, "mail", "kim")}::\n`);
});

after(() => {
  tmp.remove();
  if (created) execFileSync("userdel", [ACCOUNT]);
});

/** The Uid/Gid/Groups lines of /proc/PID/status as number lists. */
function procIds(pid: number): { uid: number[]; gid: number[]; groups: number[] } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) =>
    (new RegExp(`^${name}:(.*)$`, "m").exec(status)?.[1] ?? "")
      .trim()
      .split(/\s+/)
      .filter((v) => v !== "")
      .map(Number);
  return { uid: field("Uid"), gid: field("Gid"), groups: field("Groups") };
}

describe("started as root", { skip: !isRoot && "needs root" }, () => {
  test("binds, then runs as the configured account with no other group; mail belongs to it", async () => {
    const port = await freePort();
    writeConfig(join(tmp.dir, "loft.toml"), {
      user: ACCOUNT,
      auth: { passwd_file: "users", failure_delay: 0 },
      imap: { listen: [`127.0.0.1:${port}`] },
    });
    const server = startLoft(tmp.dir, ["-c", "loft.toml"]);
    try {
      await server.waitFor(/loft started/);
      assert.match(server.output(), /dropped privileges/);
      const ids = procIds(server.child.pid!);
      assert.deepEqual(ids.uid, [uid, uid, uid, uid]);
      assert.deepEqual(ids.gid, [gid, gid, gid, gid]);
      assert.deepEqual(ids.groups, [gid]);
      // Loft's own state was handed over, so the account can keep using it.
      assert.equal(statSync(join(tmp.dir, "var")).uid, uid);
      const c = await LineClient.open(port);
      await c.readUntil(/^\* OK /);
      c.send("a LOGIN kim secret\r\nb SELECT INBOX\r\n");
      assert.match(await c.readUntil(/^b (OK|NO|BAD) /), /^b OK \[READ-WRITE\]/m);
      c.close();
      assert.equal(statSync(join(tmp.dir, "mail", "kim", "Maildir")).uid, uid);
    } finally {
      await server.stop();
    }
  });

  test("LMTP's delivery processes run as the account too, and the mail they store is its", async () => {
    const port = await freePort();
    writeConfig(join(tmp.dir, "lmtp.toml"), {
      user: ACCOUNT,
      auth: { passwd_file: "users" },
      lmtp: { listen: [`127.0.0.1:${port}`], delivery_processes: 2 },
    });
    const server = startLoft(tmp.dir, ["-c", "lmtp.toml"]);
    try {
      await server.waitFor(/dropped privileges/);
      await server.waitFor(/loft started/);
      const c = await LineClient.open(port);
      await c.readUntil(/^220 /);
      c.send("LHLO m\r\nMAIL FROM:<s@far.test>\r\nRCPT TO:<kim>\r\nDATA\r\n");
      await c.readUntil(/^354 /);
      c.send("Subject: as the account\r\n\r\nhi\r\n.\r\n");
      assert.match(await c.readUntil(/^\d{3} /), /^250 2\.0\.0 <kim> /m);
      c.close();
      const workers = readdirSync("/proc").filter((p) => {
        if (!/^\d+$/.test(p)) return false;
        try {
          const stat = readFileSync(`/proc/${p}/stat`, "utf8");
          return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === server.child.pid;
        } catch {
          return false;
        }
      });
      assert.ok(workers.length > 0, "a delivery process runs");
      for (const pid of workers) {
        const ids = procIds(Number(pid));
        assert.deepEqual(ids.uid, [uid, uid, uid, uid]);
        assert.deepEqual(ids.gid, [gid, gid, gid, gid]);
        assert.deepEqual(ids.groups, [gid]);
      }
      const newDir = join(tmp.dir, "mail", "kim", "Maildir", "new");
      const [file] = readdirSync(newDir);
      assert.equal(statSync(join(newDir, file!)).uid, uid);
    } finally {
      await server.stop();
    }
  });

  test('without an account it refuses a non-loopback address with exit 78, naming the key "user"', async () => {
    const port = await freePort();
    writeConfig(join(tmp.dir, "open.toml"), {
      auth: { passwd_file: "users" },
      pop3: { listen: [`0.0.0.0:${port}`] },
    });
    const r = await loft(["-c", "open.toml", "serve"], { cwd: tmp.dir });
    assert.equal(r.code, 78, r.stdout + r.stderr);
    assert.match(r.stderr, /refusing to listen on 0\.0\.0\.0:\d+ \(pop3\) as root .*"user"/);
  });

  test("without an account on loopback only it runs, and warns", async () => {
    const port = await freePort();
    writeConfig(join(tmp.dir, "local.toml"), {
      auth: { passwd_file: "users" },
      imap: { listen: [`127.0.0.1:${port}`] },
    });
    const server = startLoft(tmp.dir, ["-c", "local.toml"]);
    try {
      await server.waitFor(/loft started/);
      assert.match(server.output(), /running as root: set the config key \\?"user\\?"/);
      assert.equal(procIds(server.child.pid!).uid[0], 0);
    } finally {
      await server.stop();
    }
  });

  test("an unknown account is a config error naming the key", async () => {
    writeConfig(join(tmp.dir, "unknown.toml"), { user: "no-such-account-here" });
    const r = await loft(["-c", "unknown.toml", "serve"], { cwd: tmp.dir });
    assert.equal(r.code, 78, r.stderr);
    assert.match(r.stderr, /user: no account "no-such-account-here" in \/etc\/passwd/);
  });
});
