// The entry of the loft-lda bundle (scripts/build.mjs): runs one delivery and sets the exit code.
import { ldaMain } from "./deliver.js";

process.exitCode = await ldaMain(process.argv.slice(2));
