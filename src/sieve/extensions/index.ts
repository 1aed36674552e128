// Every extension module; the engine registers this list and names none of them itself.
import type { Extension } from "../extension.js";
import { comparatorAsciiNumeric } from "./comparator-ascii-numeric.js";
import { copy } from "./copy.js";
import { encodedCharacter } from "./encoded-character.js";
import { envelope } from "./envelope.js";
import { environment } from "./environment.js";
import { fileinto } from "./fileinto.js";
import { imap4flags } from "./imap4flags.js";
import { regex } from "./regex/index.js";
import { ereject, reject } from "./reject.js";
import { relational } from "./relational.js";
import { subaddress } from "./subaddress.js";
import { variables } from "./variables.js";

export const allExtensions: Extension[] = [
  fileinto,
  reject,
  ereject,
  envelope,
  encodedCharacter,
  comparatorAsciiNumeric,
  copy,
  environment,
  variables,
  relational,
  imap4flags,
  subaddress,
  regex,
];
