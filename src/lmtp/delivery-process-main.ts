// A delivery process (see delivery-processes.ts): takes messages from the LMTP process over IPC,
// delivers each with the userdb entries that process looked up, and answers with the outcomes.
import { Delivery, lazySieveEngine } from "../delivery/index.js";
import { createLogger, type Logger } from "../log/index.js";
import type { FromDeliveryProcess, ToDeliveryProcess } from "./delivery-processes.js";

/** How long a closing process may take for the deliveries under way before it exits anyway. */
const FINISH_MS = 60_000;

let delivery: Delivery | null = null;
let log: Logger | null = null;

function answer(m: FromDeliveryProcess): void {
  // The LMTP process may be gone (killed): then nobody waits for the answer.
  if (process.connected) process.send!(m);
}

/**
 * Closes the stores once no delivery uses them and lets the process end when nothing is left to
 * do: the IPC channel stops holding it (answers still being written do). Not process.disconnect():
 * Node 20 throws from it while a send is still queued.
 */
function finish(): void {
  delivery?.close();
  process.channel?.unref();
  setTimeout(() => process.exit(0), FINISH_MS).unref();
}

process.on("message", (m: ToDeliveryProcess) => {
  switch (m.type) {
    case "init":
      log = createLogger(m.log).child({ protocol: "lmtp" });
      delivery = new Delivery({
        config: m.config,
        // Every delivery brings its recipients' entries, looked up by the LMTP process.
        userdb: { lookup: () => Promise.reject(new Error("a delivery process has no userdb")) },
        log,
        engine: lazySieveEngine(m.config),
        keepStoresOpenMs: m.keepStoresOpenMs,
      });
      answer({ ready: true });
      return;
    case "deliver": {
      if (delivery === null || log === null)
        return answer({ id: m.id, error: "delivery process not set up" });
      if (log.level !== m.level) log.level = m.level;
      delivery.deliver(m.message, m.envelope, m.recipients, new Map(m.users)).then(
        (outcomes) => answer({ id: m.id, outcomes }),
        (err: unknown) => answer({ id: m.id, error: (err as Error).message }),
      );
      return;
    }
    case "close":
      finish();
      return;
  }
});
// The LMTP process gone (shut down or killed): finish and exit.
process.on("disconnect", finish);
// A terminal's ^C or SIGHUP reaches the whole process group: the LMTP process decides for us.
process.on("SIGINT", () => {});
process.on("SIGHUP", () => {});
