import cliProgress from "cli-progress";

/** A progress bar on stderr when it is a terminal; nothing when output goes to a file or a pipe. */
export function terminalProgress(label: string): { start(total: number): void; step(): void; stop(): void } {
  if (!process.stderr.isTTY) return { start() {}, step() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} {percentage}% ETA {eta_formatted}`, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (total) => bar.start(total, 0),
    step: () => bar.increment(),
    stop: () => bar.stop(),
  };
}
