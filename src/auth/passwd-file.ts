import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import type { FSWatcher } from "chokidar";
import { EX_CANTCREAT, EX_CONFIG, EX_TEMPFAIL, ExitError } from "../exit-codes/index.js";
import type { Logger } from "../log/index.js";
import { formatPasswdLine, type PasswdEntry, parsePasswdLine } from "./passwd-file-format.js";

/**
 * A Dovecot passwd-file used as passdb and userdb. Malformed lines are logged with file:line
 * and skipped: they never stop the server and never let anyone in.
 */
export class PasswdFile {
  private entries = new Map<string, PasswdEntry>();
  private watcher: Promise<FSWatcher | undefined> | undefined;
  private readonly reloadListeners: (() => void)[] = [];

  private constructor(
    readonly path: string,
    readonly log: Logger,
  ) {}

  static load(path: string, log: Logger): PasswdFile {
    const db = new PasswdFile(path, log);
    db.reload();
    return db;
  }

  /** Re-reads the file; a missing file is an empty userdb (logged). */
  reload(): void {
    const text = readPasswdText(this.path);
    if (text === null) this.log.warn({ file: this.path }, "passwd-file does not exist: no users");
    const entries = new Map<string, PasswdEntry>();
    (text ?? "").split("\n").forEach((line, i) => {
      const parsed = parsePasswdLine(line.replace(/\r$/, ""));
      if (parsed.kind === "error") {
        this.log.error(
          { file: this.path, line: i + 1 },
          `${this.path}:${i + 1}: ${parsed.reason}; line skipped`,
        );
      } else if (parsed.kind === "entry") {
        if (entries.has(parsed.entry.user))
          this.log.warn(
            { file: this.path, line: i + 1 },
            `${this.path}:${i + 1}: duplicate user, first one used`,
          );
        else entries.set(parsed.entry.user, parsed.entry);
      }
    });
    this.entries = entries;
    for (const listener of this.reloadListeners) listener();
  }

  /** Called after every reload (auth caches drop what they remember). */
  onReload(listener: () => void): void {
    this.reloadListeners.push(listener);
  }

  lookup(user: string): PasswdEntry | undefined {
    return this.entries.get(user);
  }

  users(): PasswdEntry[] {
    return [...this.entries.values()];
  }

  /** Re-reads the file whenever it changes (editors replace it by rename, which chokidar survives). */
  watch(): void {
    if (this.watcher) return;
    const reload = () => {
      try {
        this.reload();
        this.log.info({ file: this.path, users: this.entries.size }, "passwd-file reloaded");
      } catch (err) {
        this.log.error({ file: this.path, err }, "passwd-file reload failed; keeping the previous users");
      }
    };
    // chokidar is loaded only to watch: loft-lda reads the file once, and loading it (with Node's
    // streams) was a tenth of that program's start.
    this.watcher = import("chokidar").then(
      ({ watch }) =>
        watch(this.path, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 100 } })
          .on("add", reload)
          .on("change", reload)
          .on("unlink", reload),
      (err) => {
        this.log.error({ file: this.path, err }, "cannot watch the passwd-file; changes need a reload");
        return undefined;
      },
    );
  }

  async close(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = undefined;
    await (await watcher)?.close();
  }
}

/** The file's text, or null if there is none; a file that cannot be read is a config error. */
function readPasswdText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new ExitError(`cannot read passwd-file ${path}: ${(err as Error).message}`, EX_CONFIG);
  }
}

/**
 * Changes the file under a lock file, keeping every other line (comments and malformed lines
 * included) as it was, and replaces it atomically with mode 0600.
 */
export function editPasswdFile(path: string, change: (entries: EditableLines) => void): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new ExitError(`cannot create the passwd-file's directory: ${(err as Error).message}`, EX_CANTCREAT);
  }
  const lock = `${path}.lock`;
  const fd = acquireLock(lock);
  try {
    const text = readPasswdText(path) ?? "";
    const lines = new EditableLines(text === "" ? [] : text.replace(/\n$/, "").split("\n"));
    change(lines);
    const tmp = `${path}.tmp.${process.pid}`;
    const out = openSync(tmp, "w", 0o600);
    try {
      writeSync(out, lines.lines.map((l) => `${l}\n`).join(""));
      fsyncSync(out);
    } finally {
      closeSync(out);
    }
    renameSync(tmp, path);
  } finally {
    closeSync(fd);
    unlinkSync(lock);
  }
}

function acquireLock(lock: string): number {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return openSync(lock, "wx", 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST")
        throw new ExitError(`cannot lock ${lock}: ${(err as Error).message}`, EX_CANTCREAT);
      if (Date.now() > deadline)
        throw new ExitError(
          `${lock} has been held for 10 s; if no other loft command is changing users, remove that stale lock file`,
          EX_TEMPFAIL,
        );
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
}

/** The lines of a passwd-file being edited. */
export class EditableLines {
  constructor(readonly lines: string[]) {}

  private indexOf(user: string): number {
    return this.lines.findIndex((l) => {
      const p = parsePasswdLine(l);
      return p.kind === "entry" && p.entry.user === user;
    });
  }

  get(user: string): PasswdEntry | undefined {
    const i = this.indexOf(user);
    const p = i < 0 ? undefined : parsePasswdLine(this.lines[i]!);
    return p?.kind === "entry" ? p.entry : undefined;
  }

  /** Adds or replaces the user's line. */
  put(entry: PasswdEntry): void {
    const i = this.indexOf(entry.user);
    if (i < 0) this.lines.push(formatPasswdLine(entry));
    else this.lines[i] = formatPasswdLine(entry);
  }

  remove(user: string): boolean {
    const i = this.indexOf(user);
    if (i >= 0) this.lines.splice(i, 1);
    return i >= 0;
  }
}
