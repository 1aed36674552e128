export { MboxStore } from "./mbox-store.js";
