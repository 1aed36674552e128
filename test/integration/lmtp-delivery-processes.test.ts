// LMTP with deliveries in child processes ([lmtp] delivery_processes): the replies stay one per
// accepted recipient and in order, the work spreads over the processes, a process that dies is
// replaced (one that cannot start is tried again only after a growing delay), and a reload reaches
// the deliveries.
import assert from "node:assert/strict";
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { converse, maildirMessages, makeWorld } from "../fixtures/delivery/setup.js";
import { childrenOf, freePort, type RunningLoft, startLoft } from "../helpers/server.js";

const USERS = ["a", "b", "c", "d"].map((u) => `${u}@loft.test`);
// r@ redirects: its delivery waits for the sendmail command, which the last test makes slow.
const world = makeWorld([
  ...USERS.map((name) => ({ name })),
  { name: "r@loft.test", script: 'redirect "elsewhere@far.test";' },
]);
after(() => world.remove());
const baseConfig = readFileSync(world.configFile, "utf8");

function configure(port: number, lmtp: string, base = baseConfig): void {
  writeFileSync(
    world.configFile,
    `${base}\n[lmtp]\nlisten = ["127.0.0.1:${port}"]\n${lmtp}\n[imap]\nlisten = []\n[pop3]\nlisten = []\n`,
  );
}

/** One pipelined transaction; all replies after LHLO's. */
async function transaction(port: number, id: string, rcpts: string[]): Promise<string[]> {
  const input = [
    "LHLO m",
    "MAIL FROM:<s@far.test>",
    ...rcpts.map((r) => `RCPT TO:<${r}>`),
    "DATA",
    `From: <s@far.test>\r\nSubject: ${id}\r\n\r\nbody of ${id}\r\n.`,
    "QUIT",
    "",
  ].join("\r\n");
  const accepted = rcpts.filter((r) => r !== "nobody@loft.test").length;
  const replies = await converse(port, input, 5 + rcpts.length + accepted);
  return replies.slice(2);
}

/** The pids that logged "saved mail" lines. */
function savingPids(server: RunningLoft): Set<number> {
  const pids = new Set<number>();
  for (const line of server.output().split("\n")) {
    if (!line.includes('"saved mail to')) continue;
    pids.add((JSON.parse(line) as { pid: number }).pid);
  }
  return pids;
}

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const stored = (user: string, id: string) =>
  maildirMessages(world.home(user)).filter((m) => m.text.includes(`Subject: ${id}\n`)).length;

test("delivery processes: replies per recipient in order, work spread, a dead process replaced, reload", async () => {
  const port = await freePort();
  configure(port, "delivery_processes = 2");
  const server = startLoft(world.dir, ["-c", world.configFile]);
  try {
    await server.waitFor(/loft started/);
    const serverPid = server.child.pid!;

    // Six connections at once, each with several transactions: known, unknown and repeated recipients.
    const results: { id: string; rcpts: string[]; replies: string[] }[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4, 5].map(async (c) => {
        for (let n = 0; n < 4; n++) {
          const id = `c${c}n${n}`;
          const rcpts = [
            USERS[(c + n) % 4]!,
            "nobody@loft.test",
            USERS[(c + n + 1) % 4]!,
            USERS[(c + n) % 4]!,
          ];
          results.push({ id, rcpts, replies: await transaction(port, id, rcpts) });
        }
      }),
    );
    for (const { id, rcpts, replies } of results) {
      const [first, , second] = rcpts;
      assert.match(replies[0]!, /^250 2\.1\.0 /, id);
      assert.match(replies[1]!, /^250 2\.1\.5 /, id);
      assert.match(replies[2]!, /^550 5\.1\.1 <nobody@loft\.test> /, id);
      assert.match(replies[3]!, /^250 2\.1\.5 /, id);
      assert.match(replies[4]!, /^250 2\.1\.5 /, id);
      assert.match(replies[5]!, /^354 /, id);
      // One DATA reply per accepted RCPT, in RCPT order; the repeated recipient answered again.
      const data = replies.slice(6, 9);
      assert.match(data[0]!, new RegExp(`^250 2\\.0\\.0 <${first}> \\S+ Saved$`), id);
      assert.match(data[1]!, new RegExp(`^250 2\\.0\\.0 <${second}> \\S+:R2 Saved$`), id);
      assert.match(data[2]!, new RegExp(`^250 2\\.0\\.0 <${first}> \\S+:R3 Saved$`), id);
      assert.match(replies[9]!, /^221 /, id);
      assert.equal(stored(first!, id), 1, `${id} once for ${first}`);
      assert.equal(stored(second!, id), 1, `${id} once for ${second}`);
    }
    await until("the deliveries are logged", () => savingPids(server).size >= 2);
    const pids = savingPids(server);
    assert.ok(!pids.has(serverPid), "the LMTP process itself delivered nothing");
    const workers = childrenOf(serverPid);
    assert.equal(workers.length, 2);
    assert.deepEqual([...pids].sort(), [...workers].sort(), "both delivery processes delivered");

    // A delivery process that dies is replaced at the next delivery.
    process.kill(workers[0]!, "SIGKILL");
    await server.waitFor(/delivery process ended/);
    for (let n = 0; n < 4; n++) {
      const replies = await transaction(port, `after-kill-${n}`, [USERS[n]!]);
      assert.match(replies[3]!, new RegExp(`^250 2\\.0\\.0 <${USERS[n]}> \\S+ Saved$`));
      assert.equal(stored(USERS[n]!, `after-kill-${n}`), 1);
    }
    await until("a new process replaced the dead one", () => {
      const now = childrenOf(serverPid);
      return now.length === 2 && !now.includes(workers[0]!);
    });

    // A new user (the passwd-file is watched) reaches deliveries; a reload with a changed [lmtp]
    // restarts LMTP with new delivery processes (the Received header goes); the old ones leave
    // once their sessions are over.
    mkdirSync(world.home("e@loft.test"), { recursive: true });
    appendFileSync(
      join(world.dir, "users"),
      `e@loft.test:{PLAIN}secret:::,:${world.home("e@loft.test")}::\n`,
    );
    configure(port, "delivery_processes = 2\nadd_received_header = false");
    const before = new Set(childrenOf(serverPid));
    server.child.kill("SIGHUP");
    await server.waitFor(/config reloaded/);
    await server.waitFor(/passwd-file reloaded/);
    const replies = await transaction(port, "after-reload", ["e@loft.test", USERS[0]!]);
    assert.match(replies[4]!, /^250 2\.0\.0 <e@loft\.test> \S+ Saved$/);
    assert.match(replies[5]!, /^250 2\.0\.0 <a@loft\.test> \S+:R2 Saved$/);
    const [saved] = maildirMessages(world.home("e@loft.test"));
    assert.match(saved!.text, /^Return-Path: <s@far\.test>\n/);
    assert.doesNotMatch(saved!.text, /^Received:/m);
    await until("the old delivery processes left", () => childrenOf(serverPid).every((p) => !before.has(p)));
  } finally {
    await server.stop();
  }
});

test("delivery_processes = 1 delivers in the LMTP process, as without delivery processes", async () => {
  const port = await freePort();
  configure(port, "delivery_processes = 1");
  const server = startLoft(world.dir, ["-c", world.configFile]);
  try {
    await server.waitFor(/loft started/);
    const replies = await transaction(port, "in-process", [USERS[1]!]);
    assert.match(replies[3]!, /^250 2\.0\.0 <b@loft\.test> \S+ Saved$/);
    await until("the delivery is logged", () => savingPids(server).size > 0);
    assert.deepEqual([...savingPids(server)], [server.child.pid]);
    assert.deepEqual(childrenOf(server.child.pid!), []);
  } finally {
    await server.stop();
  }
});

test("a delivery process that dies during a delivery: 451 for each of its recipients, then delivery goes on", async () => {
  const port = await freePort();
  const marker = join(world.dir, "slow-sendmail.pid");
  const slow = join(world.dir, "slow-sendmail");
  // Slow the first time only: the delivery after the kill goes through at once.
  writeFileSync(
    slow,
    `#!/bin/sh\nif [ ! -e "${marker}" ]; then echo $PPID > "${marker}"; sleep 5; fi\ncat > /dev/null\n`,
  );
  chmodSync(slow, 0o755);
  configure(
    port,
    "delivery_processes = 2",
    baseConfig.replace(/^sendmail_path = .*$/m, `sendmail_path = "${slow}"`),
  );
  const server = startLoft(world.dir, ["-c", world.configFile]);
  try {
    await server.waitFor(/loft started/);
    const pending = transaction(port, "dies", ["r@loft.test", USERS[0]!]);
    await until(
      "the delivery waits for sendmail",
      () => existsSync(marker) && readFileSync(marker, "utf8") !== "",
    );
    const deliverer = Number(readFileSync(marker, "utf8"));
    assert.ok(
      childrenOf(server.child.pid!).includes(deliverer),
      "sendmail was started by a delivery process",
    );
    process.kill(deliverer, "SIGKILL");
    const replies = await pending;
    assert.match(replies[4]!, /^451 4\.3\.0 <r@loft\.test> /);
    assert.match(replies[5]!, /^451 4\.3\.0 <a@loft\.test> /);
    assert.match(replies[6]!, /^221 /);
    const after = await transaction(port, "after-death", ["r@loft.test"]);
    assert.match(after[3]!, /^250 2\.0\.0 <r@loft\.test> \S+ Saved$/);
  } finally {
    await server.stop();
  }
});

test("a reload that leaves [lmtp] alone still reaches deliveries, through new delivery processes", async () => {
  const port = await freePort();
  configure(port, "delivery_processes = 2");
  const server = startLoft(world.dir, ["-c", world.configFile]);
  try {
    await server.waitFor(/loft started/);
    const first = await transaction(port, "before-hostname", [USERS[2]!]);
    assert.match(first[3]!, /^250 2\.0\.0 /);
    const old = new Set(childrenOf(server.child.pid!));
    assert.ok(old.size > 0);
    configure(
      port,
      "delivery_processes = 2",
      baseConfig.replace('hostname = "mx.loft.test"', 'hostname = "mx2.loft.test"'),
    );
    server.child.kill("SIGHUP");
    await server.waitFor(/config reloaded/);
    const second = await transaction(port, "after-hostname", [USERS[2]!]);
    assert.match(second[3]!, /^250 2\.0\.0 /);
    const texts = maildirMessages(world.home(USERS[2]!)).map((m) => m.text);
    assert.match(
      texts.find((t) => t.includes("Subject: before-hostname\n"))!,
      /\tby mx\.loft\.test with LMTP\n/,
    );
    assert.match(
      texts.find((t) => t.includes("Subject: after-hostname\n"))!,
      /\tby mx2\.loft\.test with LMTP\n/,
    );
    await until("the replaced delivery processes left", () =>
      childrenOf(server.child.pid!).every((p) => !old.has(p)),
    );
  } finally {
    await server.stop();
  }
});

test("a delivery process that cannot start is not started again for every message", async () => {
  const port = await freePort();
  configure(port, "delivery_processes = 2");
  // Every delivery process exits before it takes "init" (as with a run-as account that cannot read
  // the program); the LMTP process itself starts as usual.
  const preload = join(world.dir, "no-delivery-process.cjs");
  writeFileSync(preload, 'if (process.argv[1]?.endsWith("delivery-process-main.js")) process.exit(3);\n');
  const before = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `${before ?? ""} --require ${preload}`;
  let server: RunningLoft;
  try {
    server = startLoft(world.dir, ["-c", world.configFile]);
  } finally {
    if (before === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = before;
  }
  const failedStarts = () => server.output().match(/"msg":"delivery process failed to start"/g)?.length ?? 0;
  try {
    await server.waitFor(/loft started/);
    for (let n = 0; n < 3; n++) {
      const replies = await transaction(port, `no-start-${n}`, [USERS[0]!]);
      assert.match(replies[3]!, /^451 4\.3\.0 <a@loft\.test> /, `delivery ${n}`);
    }
    // The first delivery started a process that failed; the next two, within a second, started none.
    assert.equal(failedStarts(), 1);
    assert.equal(server.output().match(/"msg":"delivery process ended"/g)?.length, 1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const again = await transaction(port, "no-start-later", [USERS[0]!]);
    assert.match(again[3]!, /^451 4\.3\.0 <a@loft\.test> /);
    await until("a second start was tried and failed", () => failedStarts() === 2);
    assert.match(server.output(), /"retryInMs":2000/);
    assert.equal(maildirMessages(world.home(USERS[0]!)).filter((m) => m.text.includes("no-start")).length, 0);
  } finally {
    await server.stop();
  }
});
