export { CommandQueue, type CommandQueueHooks } from "./command-queue.js";
export { ConnectionLimits } from "./connection-limits.js";
export { type ConnectionHandler, type ConnectionInfo, type ListenerOptions, Listeners } from "./listener.js";
export {
  isSecured,
  loadTlsContext,
  type SniCertificate,
  startTls,
  TlsCertificates,
  type TlsSettings,
  tlsFiles,
} from "./tls.js";
export { TlsFileWatcher } from "./tls-watch.js";
