// The entry of the loft-lda bundle (scripts/build.mjs): runs one delivery and sets the exit code.
import { ldaMain } from "./deliver.js";

void ldaMain(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
