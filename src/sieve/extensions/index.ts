// Every extension module; the engine registers this list and names none of them itself.
import type { Extension } from "../extension.js";
import { body } from "./body.js";
import { comparatorAsciiNumeric } from "./comparator-ascii-numeric.js";
import { copy } from "./copy.js";
import { date } from "./date.js";
import { duplicate } from "./duplicate.js";
import { editheader } from "./editheader.js";
import { encodedCharacter } from "./encoded-character.js";
import { enotify } from "./enotify.js";
import { envelope } from "./envelope.js";
import { environment } from "./environment.js";
import { extlists } from "./extlists.js";
import { fcc } from "./fcc.js";
import { fileinto } from "./fileinto.js";
import { ihave } from "./ihave.js";
import { imap4flags } from "./imap4flags.js";
import { include } from "./include.js";
import { index } from "./index-ext.js";
import { mailbox } from "./mailbox.js";
import { mailboxid } from "./mailboxid.js";
import { enclose } from "./mime/enclose.js";
import { extracttext } from "./mime/extracttext.js";
import { foreverypart } from "./mime/foreverypart.js";
import { mime } from "./mime/mime-tags.js";
import { replace } from "./mime/replace.js";
import { regex } from "./regex/index.js";
import { ereject, reject } from "./reject.js";
import { relational } from "./relational.js";
import { spamtest, spamtestplus, virustest } from "./spamtest.js";
import { specialUse } from "./special-use.js";
import { subaddress } from "./subaddress.js";
import { vacation, vacationSeconds } from "./vacation.js";
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
  body,
  mailbox,
  date,
  index,
  include,
  ihave,
  duplicate,
  editheader,
  vacation,
  vacationSeconds,
  mime,
  foreverypart,
  extracttext,
  replace,
  enclose,
  enotify,
  spamtest,
  spamtestplus,
  virustest,
  specialUse,
  fcc,
  mailboxid,
  extlists,
];
