export { Authenticator, type AuthResult, type AuthSettings } from "./authenticate.js";
export { EditableLines, editPasswdFile, PasswdFile } from "./passwd-file.js";
export { formatPasswdLine, type PasswdEntry, parsePasswdLine } from "./passwd-file-format.js";
export {
  hashPassword,
  isKnownScheme,
  listSchemes,
  verifyPassword,
} from "./password-schemes/index.js";
export {
  decodeSaslResponse,
  findSaslMechanism,
  type SaslCredentials,
  type SaslExchange,
  type SaslMechanism,
  type SaslStep,
  saslMechanisms,
} from "./sasl/index.js";
export { checkUserName, expandTemplate, type UserInfo, userInfo } from "./userdb.js";
