// MD5-crypt ("$1$salt$hash", Poul-Henning Kamp's FreeBSD scheme).
import md5CryptImpl from "apache-md5";

const MAGIC = "$1$";
const SALT_MAX = 8;

/**
 * Dovecot's password_generate_md5_crypt(): `setting` may be a bare salt or a whole stored hash; the
 * salt is what follows "$1$" up to the next "$", at most 8 characters.
 */
export function md5Crypt(password: Buffer, setting: string): string {
  const body = setting.startsWith(MAGIC) ? setting.slice(MAGIC.length) : setting;
  const end = body.indexOf("$");
  const salt = body.slice(0, Math.min(end < 0 ? body.length : end, SALT_MAX));
  // apache-md5 hashes its string arguments as latin1, one byte per character: hand it the bytes so
  // UTF-8 passwords hash as they do in C.
  const saltBytes = Buffer.from(salt, "utf8").toString("latin1");
  const hashed = md5CryptImpl(password.toString("latin1"), `${MAGIC}${saltBytes}`);
  return Buffer.from(hashed, "latin1").toString("utf8");
}
