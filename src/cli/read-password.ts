import { createInterface } from "node:readline";
import { EX_DATAERR, ExitError } from "../exit-codes/index.js";

/**
 * The password for a command run without `-p`: on a terminal asked twice without echo (and
 * refused if the two differ); otherwise the first line of standard input.
 */
export async function readPassword(confirm: boolean, prompt = "Enter new password: "): Promise<string> {
  if (!process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    throw new ExitError("no password given on standard input", EX_DATAERR);
  }
  const first = await askHidden(prompt);
  if (confirm && (await askHidden("Retype new password: ")) !== first)
    throw new ExitError("passwords don't match", EX_DATAERR);
  return first;
}

function askHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    let value = "";
    // Echo goes off before the prompt appears, so fast typing is never shown.
    stdin.setRawMode(true);
    process.stderr.write(prompt);
    stdin.resume();
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") {
          done();
          return resolve(value);
        }
        if (ch === "\u0003") {
          done();
          return reject(new ExitError("interrupted", 130));
        }
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
    };
    stdin.on("data", onData);
  });
}
