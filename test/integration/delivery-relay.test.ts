import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import pino from "pino";
import { SMTPServer } from "smtp-server";
import { Authenticator, PasswdFile } from "../../src/auth/index.js";
import { loadConfig } from "../../src/config/index.js";
import { Delivery, lazySieveEngine } from "../../src/delivery/index.js";
import { maildirMessages, makeWorld, type World } from "../fixtures/delivery/setup.js";
import { freePort } from "../helpers/server.js";

interface Received {
  from: string;
  to: string[];
  data: string;
}
const received: Received[] = [];
let sink: SMTPServer;
let world: World;
let delivery: Delivery;

before(async () => {
  const port = await freePort();
  sink = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom === false ? "?" : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  await new Promise<void>((r) => sink.listen(port, "127.0.0.1", () => r()));
  world = makeWorld(
    [
      {
        name: "vic@loft.test",
        script:
          'require "vacation";\nredirect "backup@far.test";\nvacation :subject "Out" "Back on Monday.";\n',
      },
    ],
    `submission_host = "127.0.0.1:${port}"`,
  );
  const log = pino({ level: "silent" });
  const { config } = loadConfig(world.configFile);
  const auth = new Authenticator(PasswdFile.load(join(world.dir, "users"), log), {
    usernameChars: "",
    mailLocation: config.mail_location,
    defaultScheme: "PLAIN",
  });
  delivery = new Delivery({ config, userdb: auth, log, engine: lazySieveEngine(config) });
});

after(async () => {
  await new Promise<void>((r) => sink.close(() => r()));
  world.remove();
});

test("with submission_host, redirects and vacation replies go to the SMTP relay", async () => {
  const message = Buffer.from(
    "From: <ann@far.test>\r\nTo: <vic@loft.test>\r\nSubject: lunch?\r\nMessage-ID: <q1@far.test>\r\n\r\nLunch?\r\n",
  );
  const [r] = await delivery.deliver(
    message,
    { from: "ann@far.test", trace: null, rejectBy: "reply", remoteIp: null },
    [{ address: "vic@loft.test" }],
  );
  assert.deepEqual(r, { status: "delivered", mailboxes: [] });
  assert.equal(world.sent().length, 0, "sendmail_path is not used");
  const redirect = received.find((m) => m.to[0] === "backup@far.test");
  assert.ok(redirect, "the redirect reached the relay");
  assert.equal(redirect.from, "ann@far.test");
  assert.equal(redirect.data, message.toString("utf8"));
  const reply = received.find((m) => m.to[0] === "ann@far.test");
  assert.ok(reply, "the vacation reply reached the relay");
  assert.equal(reply.from, "", "an automatic reply has the null sender");
  assert.match(reply.data, /^Subject: Out\r$/m);
  assert.equal(maildirMessages(world.home("vic@loft.test")).length, 0);
});
