// Crash safety: while deliveries run, `loft serve` is killed with SIGKILL; every recipient that
// got 250 must find the message in its mailbox exactly once, and no half message is visible.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { after, test } from "node:test";
import { converse, maildirMessages, makeWorld } from "../fixtures/delivery/setup.js";
import { freePort, startLoft } from "../helpers/server.js";

const USERS = ["u0", "u1", "u2", "u3"].map((u) => `${u}@loft.test`);
const world = makeWorld(USERS.map((name) => ({ name })));
after(() => world.remove());

/** One LMTP transaction; the DATA replies received before the connection ended (possibly none). */
function transaction(port: number, id: string, rcpts: string[]): Promise<string[]> {
  const body = `From: <s@far.test>\r\nSubject: ${id}\r\nMessage-ID: <${id}@far.test>\r\n\r\n${"line of text\r\n".repeat(200)}END ${id}\r\n`;
  const input = [
    "LHLO load",
    "MAIL FROM:<s@far.test>",
    ...rcpts.map((r) => `RCPT TO:<${r}>`),
    "DATA",
    `${body}.`,
    "QUIT",
    "",
  ].join("\r\n");
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let buf = "";
    const done = () => {
      const lines = buf.split("\r\n").filter((l) => /^\d{3} /.test(l));
      const start = lines.findIndex((l) => l.startsWith("354"));
      resolve(start < 0 ? [] : lines.slice(start + 1, start + 1 + rcpts.length));
    };
    socket.on("data", (d) => {
      buf += d.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", done);
    socket.write(input);
  });
}

test("SIGKILL during deliveries: every 250 is stored exactly once, nothing half-written", async () => {
  const port = await freePort();
  writeFileSync(
    world.configFile,
    `${readFileSync(world.configFile, "utf8")}\n[lmtp]\nlisten = ["127.0.0.1:${port}"]\n[imap]\nlisten = []\n[pop3]\nlisten = []\n`,
  );
  const server = startLoft(world.dir, ["-c", world.configFile]);
  await server.waitFor(/loft started/);
  const acknowledged: { id: string; rcpt: string }[] = [];
  let stop = false;
  let n = 0;
  const client = async (c: number) => {
    while (!stop) {
      const id = `c${c}-m${n++}`;
      const rcpts = [USERS[n % 4]!, USERS[(n + c + 1) % 4]!];
      const replies = await transaction(port, id, rcpts);
      replies.forEach((r, i) => {
        if (r.startsWith("250")) acknowledged.push({ id, rcpt: rcpts[i]! });
      });
      if (replies.length < rcpts.length) return;
    }
  };
  const clients = [0, 1, 2, 3].map(client);
  await new Promise((r) => setTimeout(r, 2000));
  server.child.kill("SIGKILL");
  await server.exited;
  stop = true;
  await Promise.all(clients);
  assert.ok(acknowledged.length > 5, `only ${acknowledged.length} deliveries acknowledged before the kill`);

  const stored = new Map<string, string[]>();
  for (const user of USERS) {
    const ids = maildirMessages(world.home(user)).map((m) => {
      const id = /^Subject: (\S+)$/m.exec(m.text)?.[1] ?? "?";
      assert.ok(m.text.endsWith(`END ${id}\n`), `a complete message in ${user}'s mailbox: ${m.name}`);
      return id;
    });
    stored.set(user, ids);
  }
  for (const { id, rcpt } of acknowledged) {
    assert.equal(stored.get(rcpt)!.filter((x) => x === id).length, 1, `${id} for ${rcpt}`);
  }

  // After a restart the same store takes deliveries again.
  const again = startLoft(world.dir, ["-c", world.configFile]);
  try {
    await again.waitFor(/loft started/);
    const replies = await converse(
      port,
      "LHLO m\r\nMAIL FROM:<s@far.test>\r\nRCPT TO:<u0@loft.test>\r\nDATA\r\nSubject: after\r\n\r\nok\r\n.\r\nQUIT\r\n",
      7,
    );
    assert.match(replies[5]!, /^250 2\.0\.0 /);
  } finally {
    await again.stop();
  }
});
