import { randomBytes } from "node:crypto";
import { fstatSync, mkdirSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { type DestinationStream, type Logger, pino } from "pino";
import type PinoPretty from "pino-pretty";

export type { Logger } from "pino";

export interface LogOptions {
  level: string;
  /** A file to append to; empty for standard output. */
  path: string;
  format: "auto" | "json" | "pretty";
  /** Where an empty `path` logs: standard output (1, the server) or standard error (2, commands that print results). */
  fd?: 1 | 2;
  /**
   * A child process whose parent's output is not a file (writesStayWhole): with an empty `path`,
   * its lines go to the parent over IPC (parentDestination), which writes them (writeChildLines).
   */
  viaParent?: boolean;
}

// Anything that might carry a secret is censored wherever it appears in a log record's first two levels.
const SECRET_KEYS = ["password", "pass", "passwd", "secret", "sasl", "response", "token", "authorization"];
const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`]);

export function createLogger(options: LogOptions): Logger {
  let destination: DestinationStream;
  const fd = options.fd ?? 1;
  if (options.viaParent && !options.path) {
    destination = parentDestination();
  } else if (options.path) {
    mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    // Commands (fd 2) exit right after logging: they write synchronously so no line is lost.
    // Lines name users and their addresses: the file is the server's own (0600), as Dovecot's log_path.
    destination = pino.destination({ dest: options.path, sync: fd === 2, mode: 0o600 });
  } else if (options.format === "pretty" || (options.format === "auto" && isTerminal(fd))) {
    // Loaded only for a terminal: loft-lda, run by the MTA once per message, logs JSON and should
    // not pay for it at start-up.
    const pinoPretty = createRequire(import.meta.url)("pino-pretty") as typeof PinoPretty;
    destination = pinoPretty({
      destination: fd,
      sync: true,
      translateTime: "SYS:standard",
      ignore: "pid,hostname",
    });
  } else {
    destination = pino.destination({ dest: fd, sync: fd === 2 });
  }
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    destination,
  );
}

/**
 * Lines for the parent process, sent over the IPC channel once per turn of the event loop. Several
 * processes writing to one pipe or socket would interleave: a write is atomic there only up to
 * 4 KB, and pino writes its buffered lines in larger chunks (measured: with three processes and a
 * slow reader, one line in ten came out mangled). Appends to a file are whole, so a `path` needs
 * no parent.
 */
function parentDestination(): DestinationStream {
  let pending = "";
  const flush = () => {
    const lines = pending;
    pending = "";
    // Without the parent (gone, or the channel closed at exit) standard error still takes them.
    if (process.connected) process.send!({ log: lines } satisfies ChildLines);
    else writeSync(2, lines);
  };
  process.on("exit", () => {
    if (pending !== "") writeSync(2, pending);
  });
  return {
    write(line: string) {
      if (pending === "") setImmediate(flush);
      pending += line;
    },
  };
}

/**
 * Whether processes sharing this log can each write their own lines to it: a file (the log path,
 * or standard output redirected to one) takes every write whole, where a pipe, socket or terminal
 * needs the lines to come from one process (parentDestination).
 */
export function writesStayWhole(options: LogOptions): boolean {
  if (options.path) return true;
  try {
    return fstatSync(options.fd ?? 1).isFile();
  } catch {
    return false;
  }
}

/** The message a child process sends its parent with log lines. */
export interface ChildLines {
  log: string;
}

/** Writes a child's lines (parentDestination) to where `log` writes, as they are: already formatted JSON. */
export function writeChildLines(log: Logger, m: ChildLines): void {
  (log as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym]!.write(m.log);
}

/**
 * Whether `fd` is a terminal. Only a character device can be one: pipes and files (the MTA running
 * loft-lda) are told apart without process.stderr or node:tty, whose loading (net, streams) was a
 * cost to every loft-lda start.
 */
function isTerminal(fd: number): boolean {
  try {
    return (
      fstatSync(fd).isCharacterDevice() &&
      (createRequire(import.meta.url)("node:tty") as typeof import("node:tty")).isatty(fd)
    );
  } catch {
    return false;
  }
}

/** A logger for one connection: every line carries the session id, protocol and peer address. */
export function sessionLogger(parent: Logger, protocol: string, peer: string): Logger {
  return parent.child({ session: randomBytes(9).toString("base64url"), protocol, peer });
}

/** The same session's logger once it knows who logged in. */
export function withUser(log: Logger, user: string): Logger {
  return log.child({ user });
}
