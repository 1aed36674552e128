export { pop3Service } from "./service.js";
export { UidlFormat, UidlFormatError } from "./uidl-format.js";
