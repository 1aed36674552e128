/**
 * The per-user index. It caches what the mail files say (UIDs, flags, sizes, dates, GUIDs, MIME
 * structure) and adds what they cannot hold (modseqs, expunged UIDs for QRESYNC, \Recent, quota
 * totals). Plain SQL so another engine can serve it later. Deleting the file loses nothing but
 * modseq history.
 */
export const SCHEMA_VERSION = 3;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mailboxes (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  uidvalidity INTEGER NOT NULL DEFAULT 0,
  uidnext INTEGER NOT NULL DEFAULT 1,
  highest_modseq INTEGER NOT NULL DEFAULT 1,
  first_recent_uid INTEGER NOT NULL DEFAULT 1,
  fingerprint TEXT,
  sync_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS messages (
  mailbox_id INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  ref TEXT NOT NULL,
  guid TEXT NOT NULL,
  flags INTEGER NOT NULL,
  keywords TEXT NOT NULL,
  size INTEGER NOT NULL,
  vsize INTEGER NOT NULL,
  internal_date INTEGER NOT NULL,
  saved_date INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS messages_modseq ON messages (mailbox_id, modseq);
-- What is parsed from a message once, apart from the rows above so that scans of those (flags,
-- snapshots) read narrow rows. Ordered by how often a scan wants them: search header fields (binary
-- JSON), ENVELOPE and BODYSTRUCTURE texts, then the MIME structure, the largest.
CREATE TABLE IF NOT EXISTS message_cache (
  mailbox_id INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  headers BLOB,
  envelope TEXT,
  bodystructure TEXT,
  mime TEXT,
  PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS message_cache_remove AFTER DELETE ON messages BEGIN
  DELETE FROM message_cache WHERE mailbox_id = OLD.mailbox_id AND uid = OLD.uid;
END;
CREATE TABLE IF NOT EXISTS expunged (
  mailbox_id INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
-- Flags of formats that keep them only here (dbox), set aside by a rebuild until the message is found again.
CREATE TABLE IF NOT EXISTS kept_flags (
  mailbox_id INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  guid TEXT NOT NULL,
  flags INTEGER NOT NULL,
  keywords TEXT NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quota (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  bytes INTEGER NOT NULL,
  messages INTEGER NOT NULL
);
INSERT OR IGNORE INTO quota (id, bytes, messages) VALUES (1, 0, 0);
CREATE TRIGGER IF NOT EXISTS quota_add AFTER INSERT ON messages BEGIN
  UPDATE quota SET bytes = bytes + NEW.size, messages = messages + 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS quota_remove AFTER DELETE ON messages BEGIN
  UPDATE quota SET bytes = bytes - OLD.size, messages = messages - 1 WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS kept_flags_remove AFTER DELETE ON mailboxes BEGIN
  DELETE FROM kept_flags WHERE mailbox_id = OLD.id;
END;
CREATE TRIGGER IF NOT EXISTS mailbox_remove AFTER DELETE ON mailboxes BEGIN
  DELETE FROM messages WHERE mailbox_id = OLD.id;
  DELETE FROM expunged WHERE mailbox_id = OLD.id;
END;
`;

/**
 * Version 2 added the cached search header fields. They are filled where the MIME structure is
 * (at save, or when first parsed), so an older index forgets its structures to have both again.
 * Version 3 moved the MIME structure and header fields to their own table, as binary JSON (which a
 * search reads faster), and added the ENVELOPE and BODYSTRUCTURE texts there; rows without them
 * get them from their cached structure when a FETCH first reads it. A change to how mime/ writes
 * either text needs a migration that sets both columns to NULL.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  { version: 2, sql: "ALTER TABLE messages ADD COLUMN headers TEXT; UPDATE messages SET mime = NULL" },
  {
    version: 3,
    sql:
      "INSERT OR REPLACE INTO message_cache (mailbox_id, uid, headers, mime) " +
      "SELECT mailbox_id, uid, jsonb(headers), mime FROM messages WHERE mime IS NOT NULL; " +
      "ALTER TABLE messages DROP COLUMN mime; ALTER TABLE messages DROP COLUMN headers",
  },
];
