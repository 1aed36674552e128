export { engineSettings } from "./engine-settings.js";
export { parseScriptLocation, type ScriptLocation } from "./location.js";
export { MAX_SCRIPT_NAME_BYTES, scriptNameProblem } from "./script-name.js";
export {
  ScriptError,
  type ScriptErrorCode,
  type ScriptOwner,
  type ScriptQuota,
  SieveScriptStore,
} from "./script-store.js";
