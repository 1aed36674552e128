// Type declarations for the two crypt packages that ship none TypeScript can find.

declare module "unix-crypt-td-js" {
  /** Traditional DES crypt(3): 13 characters, the first two being the salt. */
  export default function unixCrypt(password: string, salt: string): string;
}

declare module "apache-md5" {
  /** MD5-crypt: "$1$salt$hash" when `salt` starts with "$1$" (else Apache's "$apr1$"). */
  export default function md5Crypt(password: string, salt: string): string;
}
