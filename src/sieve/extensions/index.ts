// Every extension module; the engine registers this list and names none of them itself.
import type { Extension } from "../extension.js";

export const allExtensions: Extension[] = [];
