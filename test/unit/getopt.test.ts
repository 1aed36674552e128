import assert from "node:assert/strict";
import { test } from "node:test";
import { getopt } from "../../src/cli/getopt.js";

const lda = (argv: string[]) => getopt(argv, "cdf", "ek");

test("values joined or apart, grouped flags, in order", () => {
  assert.deepEqual(lda(["-dbob", "-ek", "-f", "a@b", "-c", "/etc/loft.toml"]), {
    options: [
      ["d", "bob"],
      ["e", true],
      ["k", true],
      ["f", "a@b"],
      ["c", "/etc/loft.toml"],
    ],
    operands: [],
  });
  assert.deepEqual(lda(["-ed", "bob"]).options, [
    ["e", true],
    ["d", "bob"],
  ]);
  assert.deepEqual(lda(["-d", "-e"]).options, [["d", "-e"]], "a value may start with a dash");
});

test("options end at the first operand or at --; a lone - is an operand", () => {
  assert.deepEqual(lda(["-e", "msg", "-d", "bob"]), {
    options: [["e", true]],
    operands: ["msg", "-d", "bob"],
  });
  assert.deepEqual(lda(["-e", "--", "-d"]), { options: [["e", true]], operands: ["-d"] });
  assert.deepEqual(lda(["-", "-e"]), { options: [], operands: ["-", "-e"] });
});

test("an unknown option or a missing value is an error", () => {
  assert.throws(() => lda(["-x"]), /unknown option -x/);
  assert.throws(() => lda(["-ex"]), /unknown option -x/);
  assert.throws(() => lda(["-e", "-d"]), /option -d needs a value/);
});
