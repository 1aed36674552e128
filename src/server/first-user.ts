import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { editPasswdFile, hashPassword } from "../auth/index.js";

/**
 * On the first start of the embedded default, creates the user `demo` with a random password
 * and returns the password (to be printed once; only its hash is stored).
 */
export async function createFirstUser(
  passwdFile: string,
  stateDir: string,
  scheme: string,
): Promise<string | null> {
  if (existsSync(passwdFile)) return null;
  // Hex, 96 bits: printed to be pasted into commands, it must never start with "-" (an option to
  // `loft auth test`, as base64url allowed one time in 64).
  const password = randomBytes(12).toString("hex");
  const hash = await hashPassword(scheme, password);
  editPasswdFile(passwdFile, (lines) =>
    lines.put({
      user: "demo",
      password: hash,
      gecos: "",
      home: join(stateDir, "home", "demo"),
      shell: "",
      passdbFields: {},
      userdbFields: {},
    }),
  );
  return password;
}
