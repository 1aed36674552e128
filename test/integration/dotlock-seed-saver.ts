/**
 * Saves messages into a Maildir from a process of its own, for the uidlist lock seed tests.
 * Arguments: <home> <count> <"exit" | "stay">. Prints "saved <pid>" after the saves; with "stay"
 * it then waits (to be killed), with "exit" it closes the store and ends on its own.
 */
import { openUserStore } from "../../src/store/index.js";

const [home, count, mode] = process.argv.slice(2);
const store = await openUserStore({
  user: "alice",
  home: home!,
  mailLocation: "maildir:~/Maildir",
  uid: process.getuid!(),
  gid: process.getgid!(),
});
const inbox = await store.openMailbox("INBOX");
for (let i = 0; i < Number(count); i++)
  await inbox.append(Buffer.from(`Subject: child ${i}\r\n\r\nbody\r\n`));
process.stdout.write(`saved ${process.pid}\n`);
if (mode === "stay") setInterval(() => {}, 60_000);
else store.close();
