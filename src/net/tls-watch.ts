import { type FSWatcher, watch } from "chokidar";
import type { Logger } from "../log/index.js";
import type { TlsCertificates } from "./tls.js";

/** Renewal tools write the certificate and the key one after the other: wait for both. */
const SETTLE_MS = 300;

/**
 * Reloads the certificates when one of their files changes on disk. A new pair that does not
 * load (half written, key not matching) is logged and the certificates in use are kept.
 */
export class TlsFileWatcher {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly certificates: TlsCertificates,
    private readonly log: Logger,
  ) {}

  /** Watches the files the certificates use now (call again after a config reload). */
  async watch(): Promise<void> {
    await this.close();
    const paths = [...new Set(this.certificates.files().map((f) => f.path))];
    if (paths.length === 0) return;
    this.watcher = watch(paths, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 100 } });
    const changed = (path: string) => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.reload(path), SETTLE_MS);
    };
    this.watcher.on("add", changed).on("change", changed);
    await new Promise<void>((resolve) => this.watcher!.once("ready", () => resolve()));
  }

  private reload(file: string): void {
    try {
      this.certificates.reload();
      this.log.info({ file }, "TLS certificates reloaded");
    } catch (err) {
      this.log.error(
        { file, err: (err as Error).message },
        "TLS certificate reload failed: keeping the certificates in use",
      );
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.watcher?.close();
    this.watcher = undefined;
  }
}
