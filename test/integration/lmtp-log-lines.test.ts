// `loft serve` logging to standard output through a pipe (a container's log, `| logger`), with
// deliveries in child processes: every line arrives whole, even long lines written by several
// processes at once to a reader that falls behind. A write to a pipe is atomic only up to 4 KB.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { closeSync, constants, openSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { Socket } from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import { converse, makeWorld } from "../fixtures/delivery/setup.js";
import { LOFT } from "../helpers/cli.js";
import { childrenOf, freePort } from "../helpers/server.js";

const USERS = ["a", "b", "c", "d"].map((u) => `${u}@loft.test`);
const world = makeWorld(USERS.map((name) => ({ name })));
after(() => world.remove());

const CONNECTIONS = 8;
const PER_CONNECTION = 50;

/** One connection delivering PER_CONNECTION messages, each with a 3 KB Message-ID (logged by "saved mail"). */
async function deliverMany(port: number, c: number): Promise<string[]> {
  const lines = ["LHLO m"];
  for (let n = 0; n < PER_CONNECTION; n++) {
    const id = `<${`c${c}n${n}.`.padEnd(3000, "x")}@far.test>`;
    lines.push(
      "MAIL FROM:<s@far.test>",
      `RCPT TO:<${USERS[(c + n) % USERS.length]}>`,
      "DATA",
      `From: <s@far.test>\r\nMessage-ID: ${id}\r\nSubject: m\r\n\r\nbody\r\n.`,
    );
  }
  lines.push("QUIT", "");
  return converse(port, lines.join("\r\n"), 2 + 4 * PER_CONNECTION + 1, 60_000);
}

test("long log lines of the LMTP and delivery processes reach a slow reader of a pipe whole", async () => {
  const port = await freePort();
  writeFileSync(
    world.configFile,
    `${readFileSync(world.configFile, "utf8")}\n[lmtp]\nlisten = ["127.0.0.1:${port}"]\ndelivery_processes = 4\n` +
      "[imap]\nlisten = []\n[pop3]\nlisten = []\n",
  );
  // A FIFO, not the socket pair Node gives a child for "pipe": its own standard output is a pipe.
  const fifo = join(world.dir, "stdout.fifo");
  execFileSync("mkfifo", [fifo]);
  const reader = new Socket({
    fd: openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK),
    readable: true,
  });
  const writeEnd = openSync(fifo, "w");
  const server = spawn(process.execPath, [LOFT, "serve", "-c", world.configFile], {
    cwd: world.dir,
    env: { ...process.env, LOFT_CONFIG: "" },
    stdio: ["ignore", writeEnd, "inherit"],
  });
  closeSync(writeEnd);
  const exited = new Promise((resolve) => server.on("exit", resolve));
  let out = "";
  reader.on("data", (d) => {
    out += d;
  });
  // The reader falls behind: it stops reading most of the time, so the pipe fills up and the
  // writers have to wait for room.
  const throttle = setInterval(() => {
    reader.pause();
    setTimeout(() => reader.resume(), 150);
  }, 160);
  const until = async (what: string, done: () => boolean) => {
    const deadline = Date.now() + 30_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const savedLines = () => out.split('"saved mail to').length - 1;
  try {
    await until("the start", () => out.includes("loft started"));
    const replies = await Promise.all(Array.from({ length: CONNECTIONS }, (_, c) => deliverMany(port, c)));
    for (const r of replies)
      assert.equal(r.filter((l) => /^250 2\.0\.0 <[^>]*> \S+ Saved$/.test(l)).length, PER_CONNECTION);
    await until("every delivery's line", () => savedLines() >= CONNECTIONS * PER_CONNECTION);
    // Only the LMTP process writes to the pipe: its delivery processes have no way to interleave.
    const output = readlinkSync(`/proc/${server.pid}/fd/1`);
    const children = childrenOf(server.pid!);
    assert.equal(children.length, 4);
    for (const pid of children) assert.notEqual(readlinkSync(`/proc/${pid}/fd/1`), output);
  } finally {
    clearInterval(throttle);
    reader.resume();
    server.kill("SIGTERM");
    await exited;
    reader.destroy();
  }
  const lines = out.split("\n").filter((l) => l !== "");
  const broken = lines.filter((l) => {
    try {
      JSON.parse(l);
      return false;
    } catch {
      return true;
    }
  });
  assert.deepEqual(
    broken.map((l) => l.slice(0, 100)),
    [],
    `${broken.length} of ${lines.length} lines are not whole`,
  );
  const saved = lines.filter((l) => l.includes('"saved mail to'));
  assert.equal(saved.length, CONNECTIONS * PER_CONNECTION);
  const pids = new Set(saved.map((l) => (JSON.parse(l) as { pid: number }).pid));
  assert.equal(pids.size, 4, "every delivery process logged");
});
