// Differential: Loft's POP3 answers UIDL, LIST and STAT exactly as Dovecot 2.3's pop3 does for the
// same Maildir, whichever of the two saw the mailbox first, so clients switching servers fetch
// nothing twice. Dovecot's pop3 runs preauthenticated over a pipe as the mail user.
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import { type Config, configSchema } from "../../src/config/index.js";
import { Maildrop } from "../../src/pop3/maildrop.js";
import { UidlFormat } from "../../src/pop3/uidl-format.js";
import { openUserMail } from "../../src/user-mail/index.js";
import { run } from "../helpers/cli.js";
import {
  chownTree,
  deliver,
  dovecotConfig,
  dovecotPop3,
  dovecotPop3Exchange,
  MAIL_UID,
  message,
  PASSWORD,
  type Pop3Fixture,
  pop3Exchange,
  pop3Fixture,
  type RunningServer,
  startServer,
} from "./pop3-harness.js";

let fx: Pop3Fixture;
let server: RunningServer;
let dovecot: string;
const annHome = () => join(fx.dir, "home", "ann");

before(async () => {
  fx = await pop3Fixture("loft-pop3-dovecot-");
  for (const sub of ["new", "cur", "tmp"]) mkdirSync(join(annHome(), "Maildir", sub), { recursive: true });
  chownTree(annHome());
  appendFileSync(join(fx.dir, "users"), `ann:{PLAIN}${PASSWORD}:${MAIL_UID}:${MAIL_UID}::${annHome()}\n`);
  dovecot = dovecotConfig(fx);
  server = await startServer(fx);
});

after(async () => {
  await server?.stop();
  fx?.remove();
});

const QUERY = ["UIDL", "LIST", "STAT", "UIDL 2", "LIST 3", "QUIT"];

async function viaDovecot(user: string, home: string, lines = QUERY): Promise<string> {
  return dovecotPop3Exchange(dovecot, user, home, lines);
}

/** Loft's answers to the same commands, without the greeting and login lines. */
async function viaLoft(user: string, lines = QUERY): Promise<string> {
  const out = await pop3Exchange(fx.port, [`USER ${user}`, `PASS ${PASSWORD}`, ...lines]);
  const head = "+OK Loft ready.\r\n+OK\r\n+OK Logged in.\r\n";
  assert.ok(out.startsWith(head), out);
  return out.slice(head.length);
}

/** Delivers through Dovecot's own LDA: file names with S= and W=, CRLF bodies stored as sent. */
async function dovecotLda(user: string, home: string, body: string): Promise<void> {
  const r = await run(
    "setpriv",
    [
      "--reuid=mail",
      "--regid=mail",
      "--clear-groups",
      "env",
      `USER=${user}`,
      `HOME=${home}`,
      "/usr/lib/dovecot/dovecot-lda",
      "-c",
      dovecot,
      "-f",
      "sender@example.com",
    ],
    { input: body },
  );
  assert.equal(r.code, 0, r.stderr);
}

describe("UIDL and LIST equal Dovecot's pop3", () => {
  test("Dovecot first, then Loft; then changes by each, seen by the other", async () => {
    const bodies = Array.from({ length: 15 }, (_, i) => message(i + 1, "more\n".repeat(i)));
    deliver(fx.maildir, bodies);
    await dovecotLda("jo", fx.home, "From: a@example.com\r\nSubject: crlf\r\n\r\nbody\r\n.\r\n");
    await dovecotLda("jo", fx.home, "From: a@example.com\nSubject: lf\n\nbody\n");
    const first = await viaDovecot("jo", fx.home);
    assert.match(first, /^\+OK\r\n1 [0-9a-f]{16}\r\n/);
    assert.match(first, /\+OK 17 messages:\r\n/);
    assert.equal(await viaLoft("jo"), first);

    // Dovecot deletes two messages; new mail arrives; Loft looks first this time.
    await viaDovecot("jo", fx.home, ["DELE 2", "DELE 9", "QUIT"]);
    deliver(fx.maildir, [message(40), message(41, "x\n")], 40);
    const loft = await viaLoft("jo");
    assert.match(loft, /\+OK 17 messages:\r\n/);
    assert.equal(await viaDovecot("jo", fx.home), loft);

    // Loft deletes one; Dovecot agrees on what is left.
    await viaLoft("jo", ["DELE 1", "QUIT"]);
    assert.equal(await viaDovecot("jo", fx.home), await viaLoft("jo"));
  });

  test("Loft first on a mailbox Dovecot never saw", async () => {
    const maildir = join(annHome(), "Maildir");
    deliver(
      maildir,
      Array.from({ length: 12 }, (_, i) => message(i + 100, ".\n".repeat(i))),
    );
    const loft = await viaLoft("ann");
    assert.match(loft, /\+OK 12 messages:\r\n/);
    assert.equal(await viaDovecot("ann", annHome()), loft);
  });

  test("other pop3_uidl_format values", async () => {
    const config: Config = configSchema.parse({});
    const store = await openUserMail(
      {
        user: "jo",
        home: fx.home,
        uid: MAIL_UID,
        gid: MAIL_UID,
        mailLocation: "maildir:~/Maildir",
        fields: {},
      },
      config,
      pino({ level: "silent" }),
    );
    try {
      const mailbox = await store.openMailbox("INBOX");
      for (const format of ["%f", "%g", "%u-%v", "%Lf.%05u", "%-8.4f%Xv", "%Mg"]) {
        const maildrop = Maildrop.open(mailbox, UidlFormat.parse(format));
        const expected = await dovecotPop3Exchange(
          dovecot,
          "jo",
          fx.home,
          ["UIDL", "QUIT"],
          [`pop3_uidl_format=${format}`],
        );
        const ours = [
          "+OK",
          ...[...maildrop.listed()].map(({ number, entry }) => `${number} ${entry.uidl}`),
          ".",
        ];
        assert.equal(`${ours.join("\r\n")}\r\n+OK Logging out.\r\n`, expected, format);
      }
    } finally {
      store.close();
    }
  });
});

describe("replies to malformed and misplaced commands equal Dovecot's pop3", () => {
  test("after login", async () => {
    const lines = [
      "LIST x",
      "LIST 1 2",
      "LIST 99",
      "list 1",
      "TOP 1",
      "TOP 1 x",
      "TOP 1 0 5",
      "TOP x 1",
      "RETR x y",
      "RETR 0",
      "DELE",
      "UIDL 99999999999",
      "LAST",
      "FOO",
      "DELE 1",
      "DELE 1",
      "RETR 1",
      "TOP 1 0",
      "STAT",
      "RSET",
      "STAT",
      "TOP 2 0",
      "NOOP",
      "QUIT",
    ];
    assert.equal(await viaLoft("jo", lines), await viaDovecot("jo", fx.home, lines));
  });
});

describe("the POP3 session lock is Dovecot's", () => {
  test("while Dovecot's pop3 (pop3_lock_session=yes) has the mailbox, Loft answers [IN-USE]", async () => {
    const child = dovecotPop3(dovecot, "jo", fx.home, ["pop3_lock_session=yes"]);
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    const closed = new Promise((resolve) => child.on("close", resolve));
    try {
      child.stdin.write("STAT\r\n");
      const deadline = Date.now() + 10_000;
      while (!out.includes("+OK")) {
        if (Date.now() > deadline) throw new Error(`no answer from Dovecot: ${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const refused = await pop3Exchange(fx.port, ["USER jo", `PASS ${PASSWORD}`]);
      assert.equal(
        refused,
        "+OK Loft ready.\r\n+OK\r\n-ERR [IN-USE] Mailbox is locked by another POP3 session.\r\n",
      );
    } finally {
      child.stdin.end("QUIT\r\n");
      await closed;
    }
    assert.match(await viaLoft("jo", ["STAT", "QUIT"]), /^\+OK \d+ \d+\r\n\+OK Logging out\.\r\n$/);
  });
});
