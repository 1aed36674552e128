import { fchownSync } from "node:fs";
import { chown, type FileHandle } from "node:fs/promises";

/**
 * Who new files and directories belong to. Only a root process can give files away; otherwise
 * they belong to the running user anyway, so the owner is empty.
 */
export interface FileOwner {
  uid: number;
  gid: number;
}

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

export function effectiveOwner(uid?: number, gid?: number): FileOwner | undefined {
  if (uid === undefined || gid === undefined) return undefined;
  if (typeof process.geteuid !== "function" || process.geteuid() !== 0) return undefined;
  return { uid, gid };
}

export async function chownPath(path: string, owner: FileOwner | undefined): Promise<void> {
  if (owner) await chown(path, owner.uid, owner.gid);
}

export async function chownHandle(handle: FileHandle, owner: FileOwner | undefined): Promise<void> {
  if (owner) await handle.chown(owner.uid, owner.gid);
}

/** fchown of a descriptor the caller opened synchronously (see durable-fs.ts for why synchronous). */
export function chownFdSync(fd: number, owner: FileOwner | undefined): void {
  if (owner) fchownSync(fd, owner.uid, owner.gid);
}
