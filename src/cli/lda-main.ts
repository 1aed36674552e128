// The entry of the loft-lda bundle (scripts/build.mjs); bin/loft-lda calls it. It only exports, so
// the build can run the bundle's top level to include what that compiles in the code cache.
export { ldaMain } from "./deliver.js";
