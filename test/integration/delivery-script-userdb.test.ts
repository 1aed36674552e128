// Users that only the script passdb knows get mail like passwd-file users: LMTP and loft-lda ask
// the script for the userdb record (home, uid, gid), a failing script is a temporary error.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { converse, maildirMessages, makeWorld } from "../fixtures/delivery/setup.js";
import { REPO, run } from "../helpers/cli.js";
import { freePort, type RunningLoft, startLoft } from "../helpers/server.js";

const world = makeWorld([{ name: "ann@loft.test" }]);
const scriptedHome = join(world.dir, "home", "scripted");
let port: number;
let server: RunningLoft;

before(async () => {
  writeFileSync(
    join(world.dir, "users.mjs"),
    [
      "export async function lookup(user) {",
      '  const local = user.split("@")[0];',
      '  if (local === "broken") throw new Error("directory unreachable");',
      '  if (local !== "scripted") return null;',
      `  return { password: "{PLAIN}pw", userdb: { home: ${JSON.stringify(scriptedHome)} } };`,
      "}",
    ].join("\n"),
  );
  port = await freePort();
  const config = readFileSync(world.configFile, "utf8").replace(
    'passwd_file = "users"',
    'passwd_file = "users"\nscript = "users.mjs"',
  );
  writeFileSync(
    world.configFile,
    `${config}\n[lmtp]\nlisten = ["127.0.0.1:${port}"]\n[imap]\nlisten = []\n[pop3]\nlisten = []\n`,
  );
  server = startLoft(world.dir, ["-c", world.configFile]);
  await server.waitFor(/loft started/);
});

after(async () => {
  await server?.stop();
  world.remove();
});

const message = (subject: string) => `From: <s@far.test>\r\nSubject: ${subject}\r\n\r\nbody\r\n`;

describe("a userdb record from the script passdb", () => {
  test("LMTP: the script's user gets 250 and the mail in the script's home; a failing script 451 4.3.0", async () => {
    const replies = await converse(
      port,
      "LHLO mta.far.test\r\nMAIL FROM:<s@far.test>\r\nRCPT TO:<scripted@loft.test>\r\n" +
        "RCPT TO:<broken@loft.test>\r\nRCPT TO:<nobody@loft.test>\r\nRCPT TO:<ann@loft.test>\r\nDATA\r\n" +
        `${message("over lmtp")}.\r\nQUIT\r\n`,
      10,
    );
    const [, , mail, scripted, broken, nobody, ann, data, forScripted, forAnn] = replies;
    assert.match(mail!, /^250 /);
    assert.match(scripted!, /^250 /);
    assert.match(broken!, /^451 4\.3\.0 /);
    assert.match(nobody!, /^550 5\.1\.1 /);
    assert.match(ann!, /^250 /);
    assert.match(data!, /^354 /);
    assert.match(forScripted!, /^250 2\.0\.0 /);
    assert.match(forAnn!, /^250 2\.0\.0 /);
    const stored = maildirMessages(scriptedHome);
    assert.equal(stored.length, 1);
    assert.match(stored[0]!.text, /Subject: over lmtp/);
  });

  test("loft-lda: delivers to the script's user (0), 75 when the script fails, 67 for nobody", async () => {
    const lda = (user: string) =>
      run(process.execPath, [join(REPO, "bin", "loft-lda"), "-c", world.configFile, "-d", user], {
        input: message(`for ${user}`),
        cwd: world.dir,
      });
    const ok = await lda("scripted");
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(maildirMessages(scriptedHome).length, 2);
    const failed = await lda("broken");
    assert.equal(failed.code, 75, failed.stderr);
    assert.equal((await lda("nobody")).code, 67);
  });
});
