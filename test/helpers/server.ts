import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { LOFT } from "./cli.js";

export interface RunningLoft {
  child: ReturnType<typeof spawn>;
  exited: Promise<{ code: number | null }>;
  waitFor(re: RegExp, ms?: number): Promise<RegExpExecArray>;
  output(): string;
  stop(): Promise<number | null>;
}

/** Starts `loft serve` (with `args`, e.g. -c FILE) in `cwd` and collects its output. */
export function startLoft(cwd: string, args: string[] = []): RunningLoft {
  const child = spawn(process.execPath, [LOFT, "serve", ...args], {
    cwd,
    env: { ...process.env, LOFT_CONFIG: "" },
  });
  let out = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<{ code: number | null }>((resolve) =>
    child.on("exit", (code) => resolve({ code })),
  );
  const waitFor = async (re: RegExp, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (!re.test(out)) {
      if (child.exitCode !== null) throw new Error(`loft exited (${child.exitCode}) before ${re}:\n${out}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in:\n${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return re.exec(out)!;
  };
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    const { code } = await exited;
    clearTimeout(timer);
    return code;
  };
  return { child, exited, waitFor, output: () => out, stop };
}

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/** Process ids of a process's children (from /proc). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
