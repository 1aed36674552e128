import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ImapServer, PASSWORD, startImapServer } from "../fixtures/imap/setup.js";
import { LineClient } from "../helpers/line-client.js";

let imap: ImapServer;
let c: LineClient;

before(async () => {
  imap = await startImapServer(["ext"]);
  c = await LineClient.open(imap.port);
  await c.readUntil(/^\* OK /);
  // SASL-IR: the initial response on the command line (RFC 4959)
  const ir = Buffer.from(`\0ext\0${PASSWORD}`).toString("base64");
  c.send(`l AUTHENTICATE PLAIN ${ir}\r\n`);
  await c.readUntil(/^l OK /);
});

after(async () => {
  c?.close();
  await imap?.stop();
});

async function command(tag: string, text: string): Promise<string> {
  c.send(`${tag} ${text}\r\n`);
  return c.readUntil(new RegExp(`^${tag} (OK|NO|BAD) `));
}

async function append(tag: string, body: string, flags = ""): Promise<string> {
  return command(tag, `APPEND INBOX ${flags}{${Buffer.byteLength(body)}+}\r\n${body}`);
}

test("ID, NAMESPACE, ENABLE", async () => {
  assert.match(await command("a1", 'ID ("name" "test")'), /^\* ID \("name" "Loft"\)\r\na1 OK/m);
  assert.match(await command("a2", "NAMESPACE"), /^\* NAMESPACE \(\("" "\/"\)\) NIL NIL\r\na2 OK/m);
  assert.match(await command("a3", "ENABLE CONDSTORE UTF8=ACCEPT"), /^\* ENABLED CONDSTORE\r\na3 OK/m);
  assert.doesNotMatch(await command("a4", "ENABLE CONDSTORE"), /ENABLED/);
});

test("CONDSTORE: HIGHESTMODSEQ, FETCH MODSEQ and CHANGEDSINCE, STORE UNCHANGEDSINCE, SEARCH MODSEQ", async () => {
  await append("b1", "Subject: one\r\n\r\n1\r\n");
  await append("b2", "Subject: two\r\n\r\n2\r\n");
  const selected = await command("b3", "SELECT INBOX (CONDSTORE)");
  const highest = Number(/^\* OK \[HIGHESTMODSEQ (\d+)\]/m.exec(selected)?.[1]);
  assert.ok(highest > 0, selected);
  const fetched = await command("b4", "FETCH 1:2 (MODSEQ)");
  const modseqs = [...fetched.matchAll(/^\* (\d) FETCH \(MODSEQ \((\d+)\)\)/gm)].map((m) => Number(m[2]));
  assert.equal(modseqs.length, 2, fetched);
  assert.equal(Math.max(...modseqs), highest);

  const stored = await command("b5", "STORE 1 +FLAGS (\\Seen)");
  const after = Number(/^\* 1 FETCH \(FLAGS \(\\Seen \\Recent\) MODSEQ \((\d+)\)\)/m.exec(stored)?.[1]);
  assert.ok(after > highest, stored);
  // only message 1 changed since `highest`
  const changed = await command("b6", `FETCH 1:* (FLAGS) (CHANGEDSINCE ${highest})`);
  assert.match(
    changed,
    new RegExp(`^\\* 1 FETCH \\(FLAGS \\(\\\\Seen \\\\Recent\\) MODSEQ \\(${after}\\)\\)\\r\\nb6 OK`, "m"),
  );
  // message 1 changed after `highest`: the conditional store skips it and says so
  const conditional = await command("b7", `STORE 1:2 (UNCHANGEDSINCE ${highest}) +FLAGS (\\Flagged)`);
  assert.match(conditional, /^\* 2 FETCH \(FLAGS \(\\Flagged \\Recent\) MODSEQ \(\d+\)\)/m);
  assert.doesNotMatch(conditional, /^\* 1 FETCH/m);
  assert.match(conditional, /^b7 OK \[MODIFIED 1\]/m);
  const searched = await command("b8", `SEARCH MODSEQ ${after}`);
  assert.match(searched, /^\* SEARCH 1 2 \(MODSEQ \d+\)\r\n/m);
  assert.match(await command("b9", "SEARCH MODSEQ 999999"), /^\* SEARCH\r\n/m);
  const status = await command("b10", "STATUS Trash (HIGHESTMODSEQ MESSAGES)");
  assert.match(status, /^\* STATUS Trash \(MESSAGES 0 HIGHESTMODSEQ \d+\)/m);
});

test("ESEARCH and SEARCH results", async () => {
  assert.match(
    await command("c1", "SEARCH RETURN (MIN MAX COUNT ALL) ALL"),
    /^\* ESEARCH \(TAG "c1"\) MIN 1 MAX 2 ALL 1:2 COUNT 2\r\n/m,
  );
  assert.match(
    await command("c2", "UID SEARCH RETURN (COUNT) FLAGGED"),
    /^\* ESEARCH \(TAG "c2"\) UID COUNT 1\r\n/m,
  );
  assert.match(await command("c3", "SEARCH RETURN () UNFLAGGED"), /^\* ESEARCH \(TAG "c3"\) ALL 1\r\n/m);
  assert.match(await command("c4", "SEARCH RETURN (MIN) DELETED"), /^\* ESEARCH \(TAG "c4"\)\r\n/m);
});

test("UNSELECT keeps \\Deleted messages; UID EXPUNGE removes only those named", async () => {
  await command("d1", "STORE 1:2 +FLAGS.SILENT (\\Deleted)");
  assert.match(await command("d2", "UNSELECT"), /^d2 OK/m);
  assert.match(await command("d3", "STATUS INBOX (MESSAGES)"), /MESSAGES 2\)/);
  assert.match(await command("d4", "FETCH 1 FLAGS"), /^d4 BAD No mailbox selected/m);
  await command("d5", "SELECT INBOX");
  const expunged = await command("d6", "UID EXPUNGE 2");
  assert.match(expunged, /^\* 2 EXPUNGE\r\nd6 OK/m);
  assert.doesNotMatch(expunged, /^\* 1 EXPUNGE/m);
  assert.match(await command("d7", "STATUS INBOX (MESSAGES SIZE)"), /MESSAGES 1 SIZE 19\)/);
});

test("MOVE answers COPYUID untagged, then the EXPUNGEs", async () => {
  const moved = await command("e1", "UID MOVE 1 Archive");
  assert.match(moved, /^\* OK \[COPYUID \d+ 1 1\] Moved UIDs\.\r\n\* 1 EXPUNGE\r\ne1 OK Move completed/m);
  assert.match(await command("e2", "MOVE 1 Archive"), /^e2 BAD .*Invalid messageset/m);
});

test("LIST-EXTENDED, SPECIAL-USE, LIST-STATUS, CHILDREN", async () => {
  await command("f1", "CREATE Lists/Sub");
  await command("f2", "SUBSCRIBE Lists/Sub");
  const special = await command("f3", 'LIST (SPECIAL-USE) "" *');
  const names = [...special.matchAll(/^\* LIST \(([^)]*)\) "\/" (\S+)\r$/gm)].map((m) => `${m[2]} ${m[1]}`);
  assert.deepEqual(names.sort(), [
    "Archive \\Archive",
    "Drafts \\Drafts",
    "Junk \\Junk",
    "Sent \\Sent",
    "Trash \\Trash",
  ]);
  assert.match(
    await command("f4", 'LIST (SUBSCRIBED RECURSIVEMATCH) "" %'),
    /^\* LIST \(\\Noselect\) "\/" Lists \("CHILDINFO" \("SUBSCRIBED"\)\)\r$/m,
  );
  assert.match(
    await command("f5", 'LIST (SUBSCRIBED) "" Lists/*'),
    /^\* LIST \(\\Subscribed\) "\/" Lists\/Sub\r$/m,
  );
  const withStatus = await command("f6", 'LIST "" Archive RETURN (STATUS (MESSAGES SIZE) SPECIAL-USE)');
  assert.match(
    withStatus,
    /^\* LIST \(\\Archive\) "\/" Archive\r\n\* STATUS Archive \(MESSAGES 1 SIZE 19\)\r\n/m,
  );
  assert.match(await command("f7", 'LIST "" Lists'), /^\* LIST \(\\Noselect \\HasChildren\) "\/" Lists\r$/m);
  assert.match(
    await command("f8", 'LIST "" Lists RETURN (CHILDREN)'),
    /^\* LIST \(\\Noselect \\HasChildren\)/m,
  );
});

test("mailbox names in modified UTF-7 both ways", async () => {
  assert.match(await command("g1", "CREATE Entw&APw-rfe"), /^g1 OK/m);
  assert.match(await command("g2", 'LIST "" Entw*'), /^\* LIST \(\\HasNoChildren\) "\/" Entw&APw-rfe\r$/m);
  assert.match(await command("g3", "CREATE Bad&Name"), /^g3 NO /m);
  assert.match(await command("g4", 'SELECT "Entw&APw-rfe"'), /^g4 OK \[READ-WRITE\]/m);
});

test("BINARY: decoded parts, literal8 for NULs, APPEND of a literal8, unknown encodings", async () => {
  await command("h1", "CREATE Bin");
  await command("h2", "SELECT Bin");
  const nul = Buffer.from("Subject: nul\r\n\r\na\0b\r\n", "latin1");
  c.send(Buffer.concat([Buffer.from(`h3 APPEND Bin ~{${nul.length}+}\r\n`), nul, Buffer.from("\r\n")]));
  assert.match(await c.readUntil(/^h3 /), /^h3 OK \[APPENDUID \d+ 1\]/m);
  const encoded = [
    "Subject: encoded",
    "Content-Transfer-Encoding: base64",
    "X-After: yes",
    "",
    "aGVsbG8Kd29ybGQK",
    "",
  ].join("\r\n");
  await command("h4", `APPEND Bin {${encoded.length}+}\r\n${encoded}`);
  const weird = "Subject: weird\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n";
  await command("h5", `APPEND Bin {${weird.length}+}\r\n${weird}`);

  const withNul = await command("h6", "FETCH 1 (BINARY.PEEK[1] BODY.PEEK[TEXT] BINARY.SIZE[1])");
  assert.ok(withNul.includes("BINARY[1] ~{5}\r\na\0b\r\n"), JSON.stringify(withNul));
  // BODY[] cannot carry a NUL: Dovecot sends 0x80 instead
  assert.match(withNul, /BODY\[TEXT\] \{5\}\r\na[^\0]b\r\n/);
  assert.match(withNul, /BINARY\.SIZE\[1\] 5\)/);
  const decoded = await command("h7", "FETCH 2 (BINARY.PEEK[1] BINARY.PEEK[]<0.16> BINARY.SIZE[])");
  assert.ok(decoded.includes("BINARY[1] ~{12}\r\nhello\nworld\n"), JSON.stringify(decoded));
  assert.ok(decoded.includes("BINARY[]<0> ~{16}\r\nSubject: encoded"), JSON.stringify(decoded));
  // the encoding header moves to the end of the header and says binary, as Dovecot writes it
  const whole = await command("h8", "FETCH 2 (BINARY.PEEK[])");
  assert.ok(
    whole.includes(
      "Subject: encoded\r\nX-After: yes\r\nContent-Transfer-Encoding: binary\r\n\r\nhello\nworld\n",
    ),
    JSON.stringify(whole),
  );
  assert.match(decoded, /BINARY\.SIZE\[\] 81\)/);
  assert.match(await command("h9", "FETCH 3 (BINARY.PEEK[1])"), /^h9 NO \[UNKNOWN-CTE\]/m);
  const badQp = "Subject: bad\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nbad =ZZ escape\r\n";
  await command("h12", `APPEND Bin {${badQp.length}+}\r\n${badQp}`);
  assert.match(
    await command("h13", "FETCH 4 (BINARY.SIZE[1])"),
    /^h13 NO \[PARSE\] Invalid data in MIME part/m,
  );
  assert.match(await command("h10", "FETCH 2 (FLAGS)"), /FLAGS \(\\Recent\)/);
  assert.match(await command("h11", "FETCH 2 (BINARY[1])"), /FLAGS \(\\Seen \\Recent\) BINARY\[1\]/);
});
