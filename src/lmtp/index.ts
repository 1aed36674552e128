// LMTP: Postfix (or any MTA) hands messages over here; delivery does the rest.
export { lmtpService } from "./service.js";
