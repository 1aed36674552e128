import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import type { ScriptLocation } from "./location.js";
import { scriptNameProblem } from "./script-name.js";

export type ScriptErrorCode =
  | "NONEXISTENT"
  | "ACTIVE"
  | "ALREADYEXISTS"
  | "QUOTA"
  | "QUOTA/MAXSCRIPTS"
  | "QUOTA/MAXSIZE"
  | "QUOTA/MAXSTORAGE"
  | "BADNAME";

/** A refusal with the ManageSieve response code it maps to (RFC 5804 §1.3). */
export class ScriptError extends Error {
  constructor(
    readonly code: ScriptErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ScriptError";
  }
}

/** Who a root process makes the user's script files belong to (the userdb uid/gid). */
export interface ScriptOwner {
  uid: number;
  gid: number;
}

export interface ScriptQuota {
  /** 0: no limit (Pigeonhole's sieve_quota_max_scripts). */
  maxScripts: number;
  /** Total bytes of all scripts; 0: no limit (sieve_quota_max_storage). */
  maxStorage: number;
  /** Bytes of one script (sieve_max_script_size). */
  maxScriptSize: number;
}

const SUFFIX = ".sieve";

/**
 * A user's Sieve scripts in Pigeonhole's layout: DIR/NAME.sieve, the active one a symlink at
 * the `active` path; uploads are written in DIR/tmp and renamed into place.
 */
export class SieveScriptStore {
  private readonly owner: ScriptOwner | undefined;

  constructor(
    readonly location: ScriptLocation,
    private readonly quota: ScriptQuota,
    owner?: Partial<ScriptOwner>,
  ) {
    // Only root can give files away; anyone else creates them as themselves anyway.
    const root = process.geteuid?.() === 0;
    this.owner =
      root && owner?.uid !== undefined && owner.gid !== undefined
        ? { uid: owner.uid, gid: owner.gid }
        : undefined;
  }

  private own(path: string): void {
    if (this.owner) lchownSync(path, this.owner.uid, this.owner.gid);
  }

  /** mkdir -p, giving every directory it creates to the owner. */
  private makeDir(path: string): void {
    const first = mkdirSync(path, { recursive: true, mode: 0o700 });
    if (first === undefined) return;
    for (let dir = path; ; dir = dirname(dir)) {
      this.own(dir);
      if (dir === first || dir === dirname(dir)) break;
    }
  }

  private path(name: string): string {
    const problem = scriptNameProblem(name);
    if (problem) throw new ScriptError("BADNAME", problem);
    return join(this.location.dir, `${name}${SUFFIX}`);
  }

  list(): { name: string; active: boolean }[] {
    const active = this.activeName();
    return this.names().map((name) => ({ name, active: name === active }));
  }

  private names(): string[] {
    try {
      return readdirSync(this.location.dir)
        .filter((f) => f.endsWith(SUFFIX) && f.length > SUFFIX.length)
        .map((f) => f.slice(0, -SUFFIX.length))
        .filter((n) => scriptNameProblem(n) === null)
        .sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
  }

  exists(name: string): boolean {
    try {
      return statSync(this.path(name)).isFile();
    } catch {
      return false;
    }
  }

  read(name: string): Buffer {
    try {
      return readFileSync(this.path(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw notFound(name);
      throw err;
    }
  }

  /** The active script's name, when the active path is a symlink into the script directory. */
  activeName(): string | null {
    let target: string;
    try {
      target = readlinkSync(this.location.active);
    } catch {
      return null;
    }
    const full = resolve(dirname(this.location.active), target);
    if (dirname(full) !== this.location.dir || !full.endsWith(SUFFIX)) return null;
    const name = basename(full, SUFFIX);
    return this.exists(name) ? name : null;
  }

  /**
   * The file delivery should run: the active symlink's target (its real path, so that a compiled
   * script cached by path is never confused with another), or a plain file left by an old setup.
   */
  activeScriptPath(): string | null {
    try {
      // The C library's realpath: Node's own lstats each component from JavaScript, and this runs
      // for every delivery.
      return statSync(this.location.active).isFile() ? realpathSync.native(this.location.active) : null;
    } catch {
      return null;
    }
  }

  /** Refuses, with the quota's response code, a script of `size` bytes stored as `name`. */
  checkSpace(name: string, size: number): void {
    this.path(name);
    const { maxScripts, maxStorage, maxScriptSize } = this.quota;
    if (size > maxScriptSize)
      throw new ScriptError("QUOTA/MAXSIZE", `Script is too large (max ${maxScriptSize} bytes).`);
    const others = this.names().filter((n) => n !== name);
    if (maxScripts > 0 && others.length + 1 > maxScripts)
      throw new ScriptError("QUOTA/MAXSCRIPTS", `Script count quota exceeded (max ${maxScripts} scripts).`);
    if (maxStorage > 0) {
      const used = others.reduce((sum, n) => sum + statSync(this.path(n)).size, 0);
      if (used + size > maxStorage)
        throw new ScriptError("QUOTA/MAXSTORAGE", `Script storage quota exceeded (max ${maxStorage} bytes).`);
    }
  }

  /** Stores a script atomically (DIR/tmp, fsync, rename): a reader sees the old or the new one, never half. */
  put(name: string, content: Buffer): void {
    this.checkSpace(name, content.length);
    const tmpDir = join(this.location.dir, "tmp");
    this.makeDir(tmpDir);
    const tmp = join(tmpDir, `${name}.${process.pid}.${randomBytes(6).toString("hex")}`);
    const fd = openSync(tmp, "wx", 0o600);
    try {
      this.own(tmp);
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path(name));
  }

  /** Makes `name` the active script, or deactivates with null. Returns whether a script had been active. */
  activate(name: string | null): boolean {
    const wasActive = this.activeName() !== null;
    if (name === null) {
      if (this.isSymlink(this.location.active)) unlinkSync(this.location.active);
      return wasActive;
    }
    if (!this.exists(name)) throw notFound(name);
    this.makeDir(dirname(this.location.active));
    if (this.existsAsPlainFile(this.location.active))
      // Pigeonhole keeps an old non-symlink script aside rather than destroying it.
      renameSync(this.location.active, `${this.location.active}.${Date.now()}`);
    // A new symlink renamed over the old one: the active script is never missing in between.
    const tmp = `${this.location.active}.tmp.${process.pid}`;
    symlinkSync(relative(dirname(this.location.active), this.path(name)), tmp);
    this.own(tmp);
    renameSync(tmp, this.location.active);
    return wasActive;
  }

  delete(name: string): void {
    const path = this.path(name);
    if (this.activeName() === name) throw new ScriptError("ACTIVE", "Cannot delete the active Sieve script.");
    try {
      unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw notFound(name);
      throw err;
    }
  }

  rename(from: string, to: string): void {
    const source = this.path(from);
    const target = this.path(to);
    if (!this.exists(from)) throw notFound(from);
    if (this.exists(to))
      throw new ScriptError("ALREADYEXISTS", "A sieve script with that name already exists.");
    if (this.activeName() !== from) {
      renameSync(source, target);
      return;
    }
    // The active script must never dangle: link the new name, point the symlink at it, then drop the old name.
    linkSync(source, target);
    this.activate(to);
    unlinkSync(source);
  }

  private isSymlink(path: string): boolean {
    try {
      return lstatSync(path).isSymbolicLink();
    } catch {
      return false;
    }
  }

  private existsAsPlainFile(path: string): boolean {
    try {
      return lstatSync(path).isFile();
    } catch {
      return false;
    }
  }
}

function notFound(name: string): ScriptError {
  return new ScriptError("NONEXISTENT", `Sieve script \`${name}' not found`);
}
