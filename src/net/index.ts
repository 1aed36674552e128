export { CommandQueue, type CommandQueueHooks } from "./command-queue.js";
export { ConnectionLimits } from "./connection-limits.js";
export { type ConnectionHandler, type ConnectionInfo, type ListenerOptions, Listeners } from "./listener.js";
export { loadTlsContext, startTls, type TlsSettings } from "./tls.js";
