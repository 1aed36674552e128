/**
 * Expunges the messages of an mbox INBOX one by one, each a rewrite of the whole file, and reports
 * each one on stdout only after the store said it was gone. The crash test SIGKILLs this process.
 * Arguments: <home> <mail_location> <uid> <gid>
 */
import { openUserStore } from "../../src/store/index.js";

const [home, mailLocation, uid, gid] = process.argv.slice(2);
const store = await openUserStore({
  user: "alice",
  home: home!,
  mailLocation: mailLocation!,
  uid: Number(uid),
  gid: Number(gid),
  indexPath: ":memory:",
});
const inbox = await store.openMailbox("INBOX");
process.stdout.write("ready\n");
// Odd UIDs only, whatever earlier runs already removed, so the test knows which may vanish.
for (const message of inbox.messages().filter((m) => m.uid % 2 === 1)) {
  await inbox.storeFlags([message.uid], "add", ["\\Deleted"], []);
  await inbox.expunge([message.uid]);
  process.stdout.write(`expunged ${message.uid}\n`);
}
