export { pop3Service } from "./service.js";
