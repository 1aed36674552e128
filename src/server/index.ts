export { type Account, dropPrivileges, resolveAccount } from "./privileges.js";
export { Server } from "./server.js";
export {
  PROTOCOLS,
  type ProtocolName,
  type ProtocolService,
  type RunningService,
  SERVICES,
  type ServiceContext,
} from "./services.js";
export { checkStartupConfig } from "./startup-checks.js";
