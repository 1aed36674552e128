export { DEFAULT_ROTATE_SIZE } from "./mdbox-storage.js";
export { MdboxStore } from "./mdbox-store.js";
export { SdboxStore } from "./sdbox-store.js";
