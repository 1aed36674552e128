import assert from "node:assert/strict";
import { connect, createServer, type Server, type Socket } from "node:net";
import { after, before, test } from "node:test";
import { SMTPServer } from "smtp-server";
import { startSession } from "../../src/lmtp/connection.js";

// The connection under test on a real loopback socket, with a count of the writes its socket makes
// (each _write or _writev is one send to the kernel).
let listener: Server;
let port: number;
let writes = 0;

const smtp = new SMTPServer({
  lmtp: true,
  logger: false,
  authOptional: true,
  hideENHANCEDSTATUSCODES: false,
  disabledCommands: ["AUTH", "STARTTLS"],
  onConnect: (_s, cb) => cb(),
  // Answered from a promise, as the userdb check does.
  onRcptTo(address, _s, cb) {
    Promise.resolve().then(() =>
      address.address.startsWith("no")
        ? cb(Object.assign(new Error("5.1.1 <nobody@x> User doesn't exist"), { responseCode: 550 }))
        : cb(),
    );
  },
  onData(stream, _s, cb) {
    stream.resume();
    stream.on("end", () => setTimeout(() => cb(null, ["2.0.0 <a@x> Saved", "2.0.0 <b@x> Saved"]), 20));
  },
});

before(async () => {
  listener = createServer((socket: Socket) => {
    const write = socket._write.bind(socket);
    const writev = socket._writev?.bind(socket);
    socket._write = (...args) => {
      writes++;
      write(...args);
    };
    if (writev !== undefined)
      socket._writev = (...args) => {
        writes++;
        writev(...args);
      };
    startSession(smtp, socket, "127.0.0.1");
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  port = (listener.address() as { port: number }).port;
});

after(() => {
  listener.close();
});

function exchange(socket: Socket, text: string, end: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = "";
    const timer = setTimeout(() => reject(new Error(`no ${end} in: ${got}`)), 10_000);
    const onData = (d: Buffer) => {
      got += d.toString("latin1");
      if (!end.test(got)) return;
      clearTimeout(timer);
      socket.off("data", onData);
      resolve(got);
    };
    socket.on("data", onData);
    if (text !== "") socket.write(text);
  });
}

test("the replies to a pipelined batch leave in one write, in order; each later batch in its own", async () => {
  const socket = connect(port, "127.0.0.1");
  try {
    assert.match(await exchange(socket, "", /\r\n$/), /^220 /);
    await exchange(socket, "LHLO m\r\n", /\r\n250 [^\r]*\r\n$/);
    writes = 0;
    const head = await exchange(
      socket,
      "MAIL FROM:<s@x>\r\nRCPT TO:<a@x>\r\nRCPT TO:<nobody@x>\r\nRCPT TO:<b@x>\r\nDATA\r\n",
      /\r\n354 [^\r]*\r\n$/,
    );
    assert.match(
      head,
      /^250 2\.1\.0 [^\r]*\r\n250 2\.1\.5 [^\r]*\r\n550 5\.1\.1 <nobody@x> [^\r]*\r\n250 2\.1\.5 [^\r]*\r\n354 [^\r]*\r\n$/,
    );
    assert.equal(writes, 1, "MAIL, three RCPTs and DATA answered in one write");
    // The DATA replies come after a delay the client waits through: they still arrive, together.
    const tail = await exchange(
      socket,
      "Subject: t\r\n\r\nhi\r\n.\r\nNOOP\r\n",
      /\r\n250 2\.0\.0 OK[^\r]*\r\n$/,
    );
    assert.match(tail, /^250 2\.0\.0 <a@x> Saved\r\n250 2\.0\.0 <b@x> Saved\r\n250 2\.0\.0 OK/);
    assert.equal(writes, 2, "both DATA replies and the NOOP pipelined after the message in one more write");
    await exchange(socket, "QUIT\r\n", /^221 /);
  } finally {
    socket.destroy();
  }
});
