import { connect, type Socket } from "node:net";

/**
 * A raw client for line protocols with `{n}` literals in responses (ManageSieve, IMAP): send
 * bytes, then read until a line matches the response's end.
 */
export class LineClient {
  private data = Buffer.alloc(0);
  private closedFlag = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.data = Buffer.concat([this.data, d]);
    });
    socket.on("error", () => {});
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.closedFlag = true;
        resolve();
      }),
    );
  }

  static open(port: number, host = "127.0.0.1"): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => resolve(new LineClient(socket)));
      socket.once("error", reject);
    });
  }

  /** A client on a socket that is already connected (a TLS one, or one bound to a chosen address). */
  static over(socket: Socket): LineClient {
    return new LineClient(socket);
  }

  send(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Reads complete lines (literals included in the line that announced them) until `end` matches one. */
  async readUntil(end: RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let out = "";
    for (;;) {
      const line = this.takeLine();
      if (line !== null) {
        out += line;
        if (end.test(line)) return out;
        continue;
      }
      if (this.closedFlag) throw new Error(`connection closed; got so far:\n${out}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${end}; got:\n${out}${this.data}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** One line, with any literal it announces; null until all of it has arrived. */
  private takeLine(): string | null {
    let pos = 0;
    for (;;) {
      const lf = this.data.indexOf(10, pos);
      if (lf < 0) return null;
      const m = /\{(\d+)\+?\}\r\n$/.exec(this.data.subarray(pos, lf + 1).toString("latin1"));
      if (!m) {
        const line = this.data.subarray(0, lf + 1).toString("utf8");
        this.data = this.data.subarray(lf + 1);
        return line;
      }
      const end = lf + 1 + Number(m[1]);
      if (this.data.length < end) return null;
      pos = end;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
