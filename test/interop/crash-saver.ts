/**
 * Saves messages in a loop and reports each one on stdout only after the store said it was saved.
 * The crash test kills this process with SIGKILL at random moments.
 * Arguments: <home> <mail_location> <uid> <gid> <first marker> [<pause ms>]
 * With a pause, every other message arrives in two parts with the pause between, as from a slow
 * client, so that a kill often lands while a message is half written.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { openUserStore } from "../../src/store/index.js";

const [home, mailLocation, uid, gid, first, pause] = process.argv.slice(2);

async function* inTwoParts(message: Buffer, ms: number): AsyncGenerator<Uint8Array> {
  yield message.subarray(0, message.length >> 1);
  await sleep(ms);
  yield message.subarray(message.length >> 1);
}

const store = await openUserStore({
  user: "alice",
  home: home!,
  mailLocation: mailLocation!,
  uid: Number(uid),
  gid: Number(gid),
});
const inbox = await store.openMailbox("INBOX");
process.stdout.write("ready\n");
for (let marker = Number(first); ; marker++) {
  const body = `marker ${marker}\r\n${"filler line\r\n".repeat(marker % 50)}END\r\n`;
  const message = Buffer.from(`Subject: crash ${marker}\r\n\r\n${body}`);
  const data = pause !== undefined && marker % 2 === 1 ? inTwoParts(message, Number(pause)) : message;
  const { uid: saved } = await inbox.append(data, {
    flags: marker % 3 === 0 ? ["\\Seen"] : [],
  });
  // A pipe write is synchronous on Linux: once this returns, the parent has the line.
  process.stdout.write(`saved ${saved} ${marker}\n`);
  if (marker % 7 === 0) await inbox.storeFlags([saved], "add", ["\\Flagged"], []);
}
