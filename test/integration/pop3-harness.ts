// Shared setup of the POP3 tests: a user with a Maildir owned by Debian's `mail` user (so that
// Dovecot's own programs may read it too), a TLS certificate, and `loft serve` run from the sources.
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO, tempDir } from "../helpers/cli.js";
import { freePort } from "../helpers/server.js";

export const MAIL_UID = 8;
export const PASSWORD = "jo-Secret-1";

export interface Pop3Fixture {
  dir: string;
  home: string;
  maildir: string;
  port: number;
  tlsPort: number;
  cert: string;
  remove(): void;
}

/** A temp dir with user jo (password PASSWORD), an empty Maildir and a self-signed certificate. */
export async function pop3Fixture(prefix: string): Promise<Pop3Fixture> {
  const tmp = tempDir(prefix);
  chmodSync(tmp.dir, 0o755);
  const home = join(tmp.dir, "home", "jo");
  const maildir = join(home, "Maildir");
  for (const sub of ["new", "cur", "tmp"]) mkdirSync(join(maildir, sub), { recursive: true });
  chownTree(join(tmp.dir, "home"));
  writeFileSync(join(tmp.dir, "users"), `jo:{PLAIN}${PASSWORD}:${MAIL_UID}:${MAIL_UID}::${home}\n`);
  const cert = join(tmp.dir, "cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      join(tmp.dir, "key.pem"),
      "-out",
      cert,
      "-subj",
      "/CN=localhost",
      "-days",
      "2",
    ],
    { stdio: "ignore" },
  );
  return {
    dir: tmp.dir,
    home,
    maildir,
    port: await freePort(),
    tlsPort: await freePort(),
    cert,
    remove: tmp.remove,
  };
}

export function chownTree(path: string): void {
  execFileSync("chown", ["-R", `${MAIL_UID}:${MAIL_UID}`, path]);
}

/** A small message, with LF line ends as MTAs store them; `n` makes it unique. */
export function message(n: number, extra = ""): string {
  return `From: sender${n}@example.com\nTo: jo@example.com\nSubject: message ${n}\nMessage-ID: <m${n}@example.com>\n\nBody of message ${n}.\n.a line starting with a dot\n${extra}`;
}

/** Delivers messages the way an MDA does (straight into new/), with distinct mtimes. */
export function deliver(maildir: string, bodies: string[], first = 1): string[] {
  const names: string[] = [];
  bodies.forEach((body, i) => {
    const n = first + i;
    const name = `${1700000000 + n}.M${n}P4242.mx.example.com`;
    const path = join(maildir, "new", name);
    writeFileSync(path, body);
    chownSync(path, MAIL_UID, MAIL_UID);
    utimesSync(path, 1700000000 + n, 1700000000 + n);
    names.push(name);
  });
  return names;
}

export function configFile(fixture: Pop3Fixture, extra: string[] = []): string {
  const file = join(fixture.dir, "loft.toml");
  writeFileSync(
    file,
    [
      'state_dir = "state"',
      "[auth]",
      'passwd_file = "users"',
      "failure_delay = 0.3",
      "penalty_max = 0.3",
      "[tls]",
      'cert = "cert.pem"',
      'key = "key.pem"',
      "[log]",
      'format = "json"',
      'level = "debug"',
      "[imap]",
      "listen = []",
      "[lmtp]",
      "listen = []",
      "[managesieve]",
      "listen = []",
      "[pop3]",
      `listen = ["127.0.0.1:${fixture.port}"]`,
      `tls_listen = ["127.0.0.1:${fixture.tlsPort}"]`,
      ...extra,
    ].join("\n"),
  );
  return file;
}

export interface RunningServer {
  output(): string;
  waitFor(re: RegExp, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

/** tsx by its path: `--import tsx` would resolve from the server's working directory. */
const TSX_LOADER = pathToFileURL(join(REPO, "node_modules", "tsx", "dist", "loader.mjs")).href;

/**
 * `loft serve -c FILE` that must fail to start: returns its output once `re` appears in it, and
 * stops the process (a failed start does not always end it).
 */
export async function serveFailure(configPath: string, re: RegExp): Promise<string> {
  const child = spawn(
    process.execPath,
    ["--import", TSX_LOADER, join(REPO, "src", "cli", "main.ts"), "serve", "-c", configPath],
    {
      env: { ...process.env, LOFT_CONFIG: "" },
    },
  );
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const deadline = Date.now() + 20_000;
  while (!re.test(out) && child.exitCode === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  if (child.exitCode === null) child.kill("SIGKILL");
  await exited;
  return out;
}

/**
 * `loft serve` from the sources (tsx), so the test does not depend on a build in dist/, on the
 * fixture's config with `extra` [pop3] lines. Ports that another process took meanwhile are
 * replaced by fresh ones.
 */
export async function startServer(fixture: Pop3Fixture, extra: string[] = []): Promise<RunningServer> {
  for (let attempt = 1; ; attempt++) {
    const configPath = configFile(fixture, extra);
    const child = spawn(
      process.execPath,
      ["--import", TSX_LOADER, join(REPO, "src", "cli", "main.ts"), "serve", "-c", configPath],
      {
        cwd: fixture.dir,
        env: { ...process.env, LOFT_CONFIG: "" },
      },
    );
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    const stop = async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    };
    const waitFor = async (re: RegExp, ms = 20_000) => {
      const deadline = Date.now() + ms;
      while (!re.test(out)) {
        if (child.exitCode !== null) throw new Error(`loft exited (${child.exitCode}):\n${out}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in:\n${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await waitFor(/loft started|EADDRINUSE/);
    } catch (err) {
      await stop();
      throw err;
    }
    if (out.includes("EADDRINUSE") && attempt < 5) {
      await stop();
      fixture.port = await freePort();
      fixture.tlsPort = await freePort();
      continue;
    }
    if (!out.includes("loft started")) {
      await stop();
      throw new Error(`loft did not start:\n${out}`);
    }
    return { output: () => out, waitFor, stop };
  }
}

/** Sends `lines` pipelined (CRLF added) and returns everything the server said until it closed. */
export function pop3Exchange(port: number, lines: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    let out = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; got:\n${out}`));
    }, timeoutMs);
    socket.on("data", (d) => {
      out += d.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.write(lines.map((l) => `${l}\r\n`).join(""));
  });
}

/** A Dovecot config for running its programs over a pipe on the fixture's homes. */
export function dovecotConfig(fixture: Pop3Fixture, extra: string[] = []): string {
  const base = join(fixture.dir, "dovecot");
  for (const sub of ["run", "state"]) mkdirSync(join(base, sub), { recursive: true });
  writeFileSync(join(base, "log"), "");
  chownTree(base);
  const file = join(base, "dovecot.conf");
  writeFileSync(
    file,
    [
      `base_dir = ${base}/run`,
      `state_dir = ${base}/state`,
      `log_path = ${base}/log`,
      "mail_location = maildir:~/Maildir",
      "first_valid_uid = 1",
      ...extra,
      "",
    ].join("\n"),
  );
  return file;
}

/** Dovecot's pop3, already logged in as `user` (as after pop3-login), run as the mail user. */
export function dovecotPop3(config: string, user: string, home: string, options: string[] = []) {
  return spawn(
    "setpriv",
    [
      "--reuid=mail",
      "--regid=mail",
      "--clear-groups",
      "env",
      `USER=${user}`,
      `HOME=${home}`,
      "/usr/lib/dovecot/pop3",
      "-c",
      config,
      ...options.flatMap((o) => ["-o", o]),
    ],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
}

/** Runs Dovecot's pop3 on `lines` (CRLF added) and returns its output. */
export async function dovecotPop3Exchange(
  config: string,
  user: string,
  home: string,
  lines: string[],
  options: string[] = [],
): Promise<string> {
  const child = dovecotPop3(config, user, home, options);
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => {
    out += d.toString("latin1");
  });
  child.stderr.on("data", (d) => {
    err += d;
  });
  child.stdin.end(lines.map((l) => `${l}\r\n`).join(""));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`dovecot pop3 exited ${code}: ${err}`);
  return out;
}
