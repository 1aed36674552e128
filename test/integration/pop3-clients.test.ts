import assert from "node:assert/strict";
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO, run } from "../helpers/cli.js";
import {
  deliver,
  message,
  PASSWORD,
  type Pop3Fixture,
  pop3Fixture,
  type RunningServer,
  startServer,
} from "./pop3-harness.js";

let fx: Pop3Fixture;
let server: RunningServer;

before(async () => {
  fx = await pop3Fixture("loft-pop3-clients-");
  server = await startServer(fx);
});

after(async () => {
  await server?.stop();
  fx?.remove();
});

/** What clients must receive: the message with CRLF line ends. */
function crlf(text: string): string {
  return text.replace(/\r?\n/g, "\r\n");
}

function files(): string[] {
  return [...readdirSync(join(fx.maildir, "new")), ...readdirSync(join(fx.maildir, "cur"))].sort();
}

/** UIDVALIDITY and the UID of each base name, from the dovecot-uidlist the store keeps. */
function uidlist(): { validity: number; uids: Map<string, number> } {
  const [header = "", ...records] = readFileSync(join(fx.maildir, "dovecot-uidlist"), "latin1")
    .trim()
    .split("\n");
  const validity = Number(/ V(\d+)/.exec(header)![1]);
  const uids = new Map(records.map((r) => [r.slice(r.indexOf(":") + 1), Number(r.split(" ")[0])]));
  return { validity, uids };
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}

async function poplib(mode: string, port = fx.port) {
  const r = await run("python3", [
    join(REPO, "test", "fixtures", "pop3", "poplib-session.py"),
    String(port),
    mode,
    fx.cert,
    "jo",
    PASSWORD,
  ]);
  assert.equal(r.code, 0, `${r.stderr}\n${server.output().slice(-3000)}`);
  return JSON.parse(r.stdout);
}

describe("Python poplib", () => {
  for (const mode of ["plain", "stls", "ssl", "auth-plain", "auth-plain-continued"]) {
    test(`every command, ${mode}`, async () => {
      const bodies = [message(1), message(2, "\n\n"), message(3, `${"x".repeat(70)}\n`.repeat(50))];
      const names = deliver(fx.maildir, bodies);
      const out = await poplib(mode, mode === "ssl" ? fx.tlsPort : fx.port);
      assert.equal(out.greeting, "+OK Loft ready.");
      const base = ["AUTH-RESP-CODE", "CAPA", "PIPELINING", "RESP-CODES", "TOP", "UIDL"];
      const loginCapa = [...base, "SASL", "USER", ...(mode === "ssl" ? [] : ["STLS"])].sort();
      assert.deepEqual(out.capa_before, loginCapa);
      if (mode === "stls") {
        assert.equal(out.stls, "+OK Begin TLS negotiation now.");
        assert.deepEqual(out.capa_after_stls, [...base, "SASL", "USER"].sort());
      }
      if (mode === "auth-plain-continued") assert.equal(out.continuation, "+ ");
      assert.equal(out.login, "+OK Logged in.");
      assert.deepEqual(out.capa_logged_in, base);

      const sizes = bodies.map((b) => Buffer.byteLength(crlf(b)));
      const total = sizes.reduce((a, b) => a + b, 0);
      assert.deepEqual(out.stat, [3, total]);
      assert.equal(out.list.status, "+OK 3 messages:");
      assert.deepEqual(
        out.list.lines,
        sizes.map((s, i) => `${i + 1} ${s}`),
      );
      assert.equal(out.list_1, `+OK 1 ${sizes[0]}`);
      const { validity, uids } = uidlist();
      const expectedUidls = names.map((n, i) => `${i + 1} ${hex8(uids.get(n)!)}${hex8(validity)}`);
      assert.deepEqual(out.uidl.lines, expectedUidls);
      assert.equal(out.uidl_2, `+OK ${expectedUidls[1]}`);

      const lines1 = bodies[0]!.split("\n").slice(0, -1);
      assert.deepEqual(out.top_1_1.lines, lines1.slice(0, 6));
      assert.equal(out.retr_1.status, `+OK ${sizes[0]} octets`);
      assert.deepEqual(out.retr_1.lines, lines1);
      // poplib counts the octets it received, dot-stuffing removed: exactly what LIST announced.
      assert.equal(out.retr_1.octets, sizes[0]);
      assert.equal(out.noop, "+OK");
      assert.equal(out.dele_1, "+OK Marked to be deleted.");
      assert.equal(out.retr_deleted, "-ERR Message is deleted.");
      assert.deepEqual(out.stat_after_dele, [2, total - sizes[0]!]);
      assert.equal(out.rset, "+OK");
      assert.deepEqual(out.stat_after_rset, [3, total]);
      assert.equal(out.dele_2, "+OK Marked to be deleted.");
      assert.equal(out.quit, "+OK Logging out, messages deleted.");

      assert.equal(out.retr_3.octets, sizes[2]);

      // QUIT expunged message 2 only and set \Seen on message 3; RSET forgot the RETR of message 1,
      // as in Dovecot. Dovecot's pop3 moves new/ mail to cur/ (it drops \Recent).
      assert.deepEqual(files(), [`${names[0]}:2,`, `${names[2]}:2,S`]);
      await clearMaildir();
    });
  }
});

async function clearMaildir(): Promise<void> {
  const r = await run("sh", ["-c", `rm -f '${fx.maildir}'/cur/* '${fx.maildir}'/new/*`]);
  assert.equal(r.code, 0);
}

describe("curl pop3://", () => {
  test("LIST and RETR", async () => {
    const bodies = [message(11), message(12, ".\n..\n")];
    deliver(fx.maildir, bodies, 11);
    const url = `pop3://127.0.0.1:${fx.port}/`;
    const list = await run("curl", ["-sS", "--max-time", "10", "-u", `jo:${PASSWORD}`, url]);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, bodies.map((b, i) => `${i + 1} ${Buffer.byteLength(crlf(b))}\r\n`).join(""));
    const retr = await run("curl", ["-sS", "--max-time", "10", "-u", `jo:${PASSWORD}`, `${url}2`]);
    assert.equal(retr.code, 0, retr.stderr);
    assert.equal(retr.stdout, crlf(bodies[1]!));
    await clearMaildir();
  });
});

describe("fetchmail", () => {
  async function fetchmail(options: string, out: string) {
    const rc = join(fx.dir, "fetchmailrc");
    writeFileSync(
      rc,
      [
        "set no bouncemail",
        `poll 127.0.0.1 with proto POP3 port ${fx.port} uidl`,
        `  user "jo" there with password "${PASSWORD}" is "root" here`,
        `  options ${options} sslproto '' mda "/bin/sh -c 'cat >> ${out}'"`,
        "",
      ].join("\n"),
    );
    chmodSync(rc, 0o600);
    return run("fetchmail", ["-f", rc, "-i", join(fx.dir, "fetchids"), "--nosyslog", "--nodetach"], {
      env: { HOME: fx.dir },
      timeoutMs: 60_000,
    });
  }

  test("retrieves 100 messages keeping them, nothing new the next time, then deleting them", async () => {
    const bodies = Array.from({ length: 100 }, (_, i) => message(100 + i, `line ${i}\n`.repeat(i % 7)));
    deliver(fx.maildir, bodies, 100);
    const kept = join(fx.dir, "kept.mbox");
    const first = await fetchmail("keep", kept);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const got = readFileSync(kept, "latin1");
    for (let i = 100; i < 200; i++) assert.ok(got.includes(`Subject: message ${i}\n`), `message ${i}`);
    assert.equal(got.match(/^Subject: message /gm)?.length, 100);
    assert.equal(files().length, 100);

    // fetchmail remembers UIDLs: unchanged UIDLs mean nothing is fetched again (its exit code 1).
    const second = await fetchmail("keep", kept);
    assert.equal(second.code, 1, second.stderr + second.stdout);
    assert.equal(readFileSync(kept, "latin1").match(/^Subject: message /gm)?.length, 100);

    const taken = join(fx.dir, "taken.mbox");
    const third = await fetchmail("fetchall no keep", taken);
    assert.equal(third.code, 0, third.stderr + third.stdout);
    assert.equal(readFileSync(taken, "latin1").match(/^Subject: message /gm)?.length, 100);
    assert.deepEqual(files(), []);
  });
});
