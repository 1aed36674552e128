export {
  Authenticator,
  type AuthResult,
  type AuthSettings,
  type CredentialLookup,
  type PassdbExtras,
} from "./authenticate.js";
export type { LoginGuardSettings } from "./login-guard.js";
export { type OAuth2Settings, OAuth2Verifier } from "./oauth2/index.js";
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
  SASL_MECHANISM_NAMES,
  type SaslConnection,
  type SaslMechanism,
  type SaslOutcome,
  SaslSession,
  saslMechanisms,
  startSasl,
} from "./sasl/index.js";
export { UserLookup } from "./user-lookup.js";
export { checkUserName, expandTemplate, type UserInfo, userInfo } from "./userdb.js";
