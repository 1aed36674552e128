export { manageSieveService } from "./service.js";
