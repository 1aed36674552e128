/**
 * Saves messages in a loop and reports each one on stdout only after the store said it was saved.
 * The crash test kills this process with SIGKILL at random moments.
 * Arguments: <home> <mail_location> <uid> <gid> <first marker>
 */
import { openUserStore } from "../../src/store/index.js";

const [home, mailLocation, uid, gid, first] = process.argv.slice(2);
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
  const { uid: saved } = await inbox.append(Buffer.from(`Subject: crash ${marker}\r\n\r\n${body}`), {
    flags: marker % 3 === 0 ? ["\\Seen"] : [],
  });
  // A pipe write is synchronous on Linux: once this returns, the parent has the line.
  process.stdout.write(`saved ${saved} ${marker}\n`);
  if (marker % 7 === 0) await inbox.storeFlags([saved], "add", ["\\Flagged"], []);
}
