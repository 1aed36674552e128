// DIGEST-MD5 (RFC 2831): MD5("user:realm:password"), hex. The realm comes from the user name:
// Dovecot splits at the last "@" (so "user@domain@realm" keeps "user@domain" as the user).
import { createHash } from "node:crypto";
import { MissingParameterError, type PasswordScheme } from "./types.js";

export const digestMd5Scheme: PasswordScheme = {
  name: "DIGEST-MD5",
  encoding: "hex",
  rawLength: 16,
  generate: (password, params) => {
    if (params.user === undefined || params.user === "") {
      throw new MissingParameterError("DIGEST-MD5 needs the user name (-u USER)");
    }
    const at = params.user.lastIndexOf("@");
    const user = at < 0 ? params.user : params.user.slice(0, at);
    const realm = at < 0 ? "" : params.user.slice(at + 1);
    return createHash("md5").update(`${user}:${realm}:`).update(password).digest();
  },
};
