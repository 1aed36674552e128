import type { FileHandle } from "node:fs/promises";

const WINDOW = 256 * 1024;

/**
 * Random-access line reading over an open file through one buffered window, so the parser can jump
 * over bodies by Content-Length and still read line by line where it must.
 */
export class FileWindow {
  private buf = Buffer.alloc(0);
  private at = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  private async load(pos: number, length: number): Promise<void> {
    const len = Math.min(Math.max(length, WINDOW), this.size - pos);
    const buf = Buffer.allocUnsafe(len);
    let filled = 0;
    while (filled < len) {
      const { bytesRead } = await this.handle.read(buf, filled, len - filled, pos + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    this.buf = buf.subarray(0, filled);
    this.at = pos;
  }

  /** Bytes [pos, pos+length), fewer at the end of the file. */
  async bytes(pos: number, length: number): Promise<Buffer> {
    const end = Math.min(pos + length, this.size);
    if (pos < this.at || end > this.at + this.buf.length) await this.load(pos, end - pos);
    return this.buf.subarray(pos - this.at, end - this.at);
  }

  async byteAt(pos: number): Promise<number | undefined> {
    if (pos >= this.size) return undefined;
    return (await this.bytes(pos, 1))[0];
  }

  /** The line starting at `pos`, including its LF (the last line of the file may lack one). */
  async line(pos: number): Promise<Buffer> {
    let want = 1024;
    for (;;) {
      const chunk = await this.bytes(pos, want);
      const lf = chunk.indexOf(0x0a);
      if (lf >= 0) return chunk.subarray(0, lf + 1);
      if (pos + chunk.length >= this.size) return chunk;
      want = chunk.length * 2;
    }
  }
}
