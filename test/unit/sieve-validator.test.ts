import assert from "node:assert/strict";
import { test } from "node:test";
import { SieveEngine } from "../../src/sieve/index.js";
import { compileErrors } from "./sieve-harness.js";

test("several errors are reported at once, each with line:column, in script order", () => {
  const errors = compileErrors(
    'require "bogus";\nif foo { bar; }\nfileinto "x";\nif header :is "a" {}\nredirect "not an address";\n',
  );
  assert.deepEqual(
    errors.map((e) => [e.line, e.column, e.message]),
    [
      [1, 1, "require command: unknown Sieve capability 'bogus'"],
      [2, 4, "unknown test 'foo'"],
      [2, 10, "unknown command 'bar'"],
      [3, 1, "unknown command 'fileinto' (the 'fileinto' extension must be required first)"],
      [4, 4, "the header test requires 2 positional argument(s) (missing string list)"],
      [5, 10, "specified redirect address 'not an address' is invalid"],
    ],
  );
});

test("require must come first and only at the top", () => {
  assert.match(
    compileErrors('keep; require "fileinto";')[0]!.message,
    /require command can only be placed at top level/,
  );
  assert.match(
    compileErrors('if true { require "fileinto"; }')[0]!.message,
    /require command can only be placed/,
  );
  assert.deepEqual(compileErrors('require "fileinto"; require ["copy"]; fileinto :copy "x";'), []);
});

test("tags: unknown, unrequired, repeated, conflicting, missing parameter", () => {
  assert.match(
    compileErrors('if header :bogus "a" "b" {}')[0]!.message,
    /unknown tagged argument ':bogus' for the header test/,
  );
  assert.match(
    compileErrors('require "fileinto"; fileinto :copy "x";')[0]!.message,
    /unknown tagged argument ':copy' for the fileinto command/,
  );
  assert.match(
    compileErrors('if header :is :contains "a" "b" {}')[0]!.message,
    /multiple match type arguments/,
  );
  assert.match(compileErrors("if size :over :under 1 {}")[0]!.message, /multiple size comparison arguments/);
  assert.match(compileErrors('if header :is :is "a" "b" {}')[0]!.message, /specified more than once/);
  assert.ok(
    compileErrors('if header :comparator "a" "b" {}').some((e) => e.message === "unknown comparator 'a'"),
  );
  assert.match(
    compileErrors('if header :comparator ["x"] "a" "b" {}')[0]!.message,
    /requires a string argument/,
  );
  assert.match(compileErrors("if size 10 {}")[0]!.message, /either the :under or the :over tag/);
});

test("argument types, counts, tests and blocks are checked", () => {
  assert.match(
    compileErrors('if size :over "x" {}')[0]!.message,
    /expects a number as argument 1, but string/,
  );
  assert.match(
    compileErrors('redirect ["a@b.c", "d@e.f"];')[0]!.message,
    /expects a string as argument 1, but string list/,
  );
  assert.match(compileErrors('keep "x";')[0]!.message, /too many arguments for the keep command/);
  assert.match(compileErrors("if true;")[0]!.message, /the if command requires a block/);
  assert.match(compileErrors("keep { }")[0]!.message, /the keep command does not accept a block/);
  assert.match(compileErrors("if allof true {}")[0]!.message, /requires a parenthesised test list/);
  assert.match(
    compileErrors("if (true, false) {}")[0]!.message,
    /requires exactly one test, not a test list/,
  );
  assert.match(
    compileErrors("else { keep; }")[0]!.message,
    /else command must follow an if or elsif command/,
  );
  assert.match(
    compileErrors('if address "subject" "x" {}')[0]!.message,
    /header 'subject' is not allowed for the address test/,
  );
  assert.match(
    compileErrors('if header "bad name" "x" {}')[0]!.message,
    /header field name 'bad name' is invalid/,
  );
});

test("comparators: i;ascii-numeric must be required and supports no :contains", () => {
  assert.match(
    compileErrors('if header :comparator "i;ascii-numeric" "x" "1" {}')[0]!.message,
    /unknown comparator 'i;ascii-numeric'/,
  );
  assert.match(
    compileErrors(
      'require "comparator-i;ascii-numeric"; if header :contains :comparator "i;ascii-numeric" "x" "1" {}',
    )[0]!.message,
    /does not support the :contains match type/,
  );
});

test("extensions not enabled in the configuration cannot be required", () => {
  const engine = new SieveEngine();
  const result = engine.compile('require "editheader";');
  assert.ok(
    !result.ok && result.errors[0]!.message === "require command: unknown Sieve capability 'editheader'",
  );
  const enabled = new SieveEngine({ extensions: new Set(["editheader"]) });
  assert.ok(enabled.compile('require "editheader"; addheader "X-A" "b";').ok);
});

test("the error list is bounded", () => {
  const errors = compileErrors(
    "bogus;\n".repeat(5) + Array.from({ length: 100 }, (_, i) => `x${i};`).join("\n"),
  );
  assert.ok(errors.length <= 25 && errors.length > 10);
});
