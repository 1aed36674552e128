import assert from "node:assert/strict";
import { connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { Listeners } from "../../src/net/index.js";
import { tempDir } from "../helpers/cli.js";

/** A listener speaking a one-line greeting protocol, for the frame's behaviour alone. */
function greeter(idleTimeout = 30) {
  return {
    options: { maxConnections: 3, maxConnectionsPerIp: 2, idleTimeout },
    handler: {
      onConnection: (s: Socket, info: { peer: string }) => s.write(`hello ${info.peer}\n`),
      onRefused: (s: Socket, reason: string) => s.write(`refused: ${reason}\n`),
      onIdle: (s: Socket) => s.write("bye: idle\n"),
    },
  };
}

function client(port: number | string, localAddress?: string) {
  const socket =
    typeof port === "string" ? connect(port) : connect({ port, host: "127.0.0.1", localAddress });
  let data = "";
  socket.on("data", (d) => {
    data += d;
  });
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.on("error", () => {});
  const line = async () => {
    const deadline = Date.now() + 5000;
    while (!data.includes("\n")) {
      if (Date.now() > deadline) throw new Error("no line");
      await new Promise((r) => setTimeout(r, 10));
    }
    return data.split("\n")[0]!;
  };
  return { socket, line, closed, all: () => data };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

test("connection limits: per IP and in total, with the protocol's refusal", async () => {
  const port = await freePort();
  const { options, handler } = greeter();
  const l = await Listeners.open([{ kind: "tcp", host: "127.0.0.1", port }], options, handler);
  try {
    const a = client(port);
    const b = client(port);
    assert.match(await a.line(), /^hello 127\.0\.0\.1:\d+$/);
    assert.match(await b.line(), /^hello/);
    const c = client(port);
    assert.equal(await c.line(), "refused: Too many connections from your address");
    await c.closed;
    // Another address still gets in, up to the total.
    const d = client(port, "127.0.0.2");
    assert.match(await d.line(), /^hello 127\.0\.0\.2:/);
    const e = client(port, "127.0.0.3");
    assert.equal(await e.line(), "refused: Too many connections");
    await e.closed;
    assert.equal(l.sessionCount(), 3);
    // A closed connection frees its place.
    a.socket.destroy();
    await a.closed;
    await new Promise((r) => setTimeout(r, 50));
    const f = client(port);
    assert.match(await f.line(), /^hello/);
    for (const x of [b, d, f]) x.socket.destroy();
  } finally {
    await l.stopAccepting();
    l.closeSessions();
  }
});

test("idle timeout, unix sockets (0600, stale file replaced), stop accepting, close sessions", async () => {
  const tmp = tempDir();
  const path = join(tmp.dir, "greeter.sock");
  const { options, handler } = greeter(0.3);
  const first = await Listeners.open([{ kind: "unix", path }], options, handler);
  await first.stopAccepting();
  // A stale socket file from an earlier run does not stop the next one.
  const stale = createServer();
  await new Promise<void>((r) => stale.listen(path, () => r()));
  stale.unref();
  const l = await Listeners.open([{ kind: "unix", path }], options, handler);
  try {
    const { statSync } = await import("node:fs");
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const idle = client(path);
    assert.equal(await idle.line(), "hello unix");
    await idle.closed;
    assert.match(idle.all(), /bye: idle\n$/);

    const open = client(path);
    await open.line();
    await l.stopAccepting();
    const late = connect(path);
    const err = await new Promise<NodeJS.ErrnoException>((r) => late.on("error", r));
    assert.match(String(err.code), /ECONNREFUSED|ENOENT/);
    assert.equal(l.sessionCount(), 1, "open sessions go on");
    l.closeSessions();
    await open.closed;
  } finally {
    await l.stopAccepting();
    tmp.remove();
  }
});

test("binding is all or nothing", async () => {
  const port = await freePort();
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(port, "127.0.0.1", () => r()));
  const other = await freePort();
  const { options, handler } = greeter();
  try {
    await assert.rejects(
      Listeners.open(
        [
          { kind: "tcp", host: "127.0.0.1", port: other },
          { kind: "tcp", host: "127.0.0.1", port },
        ],
        options,
        handler,
      ),
      new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
    );
    // The first address was released again.
    const probe = createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.listen(other, "127.0.0.1", () => resolve());
    });
    await new Promise((r) => probe.close(r));
  } finally {
    await new Promise((r) => busy.close(r));
  }
});
