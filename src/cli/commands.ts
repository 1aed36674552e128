import type { Command } from "commander";
import { register as auth } from "./auth.js";
import { register as config } from "./config.js";
import { register as copyMove } from "./copy-move.js";
import { register as expunge } from "./expunge.js";
import { register as fetch } from "./fetch.js";
import { register as flags } from "./flags.js";
import { register as indexRebuild } from "./index-rebuild.js";
import { register as mailbox } from "./mailbox.js";
import { register as pw } from "./pw.js";
import { register as quota } from "./quota.js";
import { register as save } from "./save.js";
import { register as search } from "./search.js";
import { register as serve } from "./serve.js";
import { register as sieveCheck } from "./sieve-check.js";
import { register as sieveScripts } from "./sieve-scripts.js";
import { register as sieveTest } from "./sieve-test.js";
import { register as user } from "./user.js";

/** Every subcommand module exports one `register(program)`; list it here. */
export const commands: ((program: Command) => void)[] = [
  serve,
  config,
  user,
  auth,
  pw,
  sieveTest,
  sieveCheck,
  sieveScripts,
  mailbox,
  save,
  fetch,
  search,
  flags,
  expunge,
  copyMove,
  indexRebuild,
  quota,
];
