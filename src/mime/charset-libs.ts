// libmime and iconv-lite, loaded on first use. Importing libmime builds charset tables (measured:
// some 40 ms), which loft-lda, started once per message, would pay for every plain message that
// has no encoded word, no foreign charset and no MIME parameters to read.
import { createRequire } from "node:module";
import type Iconv from "iconv-lite";
import type Libmime from "libmime";

let libmimeModule: typeof Libmime | undefined;
let iconvModule: typeof Iconv | undefined;

export function libmime(): typeof Libmime {
  libmimeModule ??= createRequire(import.meta.url)("libmime") as typeof Libmime;
  return libmimeModule;
}

export function iconv(): typeof Iconv {
  iconvModule ??= createRequire(import.meta.url)("iconv-lite") as typeof Iconv;
  return iconvModule;
}
