// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Sieve variables are written ${name}
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parse } from "../../src/sieve/index.js";
import { compileErrors, engine } from "./sieve-harness.js";

function ok(source: string) {
  const r = parse(source);
  if (!r.ok) throw new Error(`${r.error.pos.line}:${r.error.pos.column} ${r.error.message}`);
  return r.script;
}

test("comments, tags, numbers with quantifiers and string lists", () => {
  const script = ok(
    '# hash comment\r\nif /* bracket\n comment */ SIZE :Over 10K { Keep; }\nset "a" [ "x", "y" ]; set 1M 2g;\n',
  );
  assert.equal(script[0]!.name, "if");
  assert.equal(script[0]!.tests[0]!.name, "size");
  assert.deepEqual(script[0]!.tests[0]!.args[0], {
    kind: "tag",
    name: ":over",
    pos: { line: 3, column: 18 },
  });
  assert.equal((script[0]!.tests[0]!.args[1] as { value: number }).value, 10 * 1024);
  assert.deepEqual((script[1]!.args[1] as { values: string[] }).values, ["x", "y"]);
  assert.equal((script[2]!.args[0] as { value: number }).value, 1024 ** 2);
  assert.equal((script[2]!.args[1] as { value: number }).value, 2 * 1024 ** 3);
});

test('quoted strings: only \\" and \\\\ escape, other backslashes vanish, raw newlines stay', () => {
  const script = ok('x "a\\"b\\\\c\\d\r\ne";');
  assert.deepEqual((script[0]!.args[0] as { values: string[] }).values, ['a"b\\cd\r\ne']);
});

test("multi-line strings: dot-stuffing removed, comment after text: allowed", () => {
  const script = ok("vacation text: # why\r\nline one\r\n..dotted\r\n.\r\n;");
  assert.deepEqual((script[0]!.args[0] as { values: string[] }).values, ["line one\r\n.dotted\r\n"]);
  assert.ok(ok("x text:\n.\n;"));
});

test("syntax errors carry line:column and what was expected", () => {
  const r = parse('keep;\nif true {\n  fileinto "x"\n}');
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(r.error.pos, { line: 4, column: 1 });
  assert.match(r.error.message, /unexpected '}'; expected .*';'/);
  const empty = parse("x [];");
  assert.ok(!empty.ok && /expected string/.test(empty.error.message));
  const comment = parse("keep; /* open");
  assert.ok(!comment.ok && comment.error.message === "unterminated bracket comment");
  const multi = parse("x text:\nno end\n");
  assert.ok(!multi.ok && /unterminated multi-line string/.test(multi.error.message));
  const end = parse("keep");
  assert.ok(!end.ok && /unexpected end of script/.test(end.error.message));
});

test("a leading byte order mark is ignored", () => {
  assert.equal(engine.compile("\ufeffkeep;").ok, true);
});

test("10,000 nested ifs are refused quickly with a clear error", () => {
  const source = `${"if true { ".repeat(10_000)}keep;${" }".repeat(10_000)}`;
  const start = Date.now();
  const errors = compileErrors(source);
  assert.ok(Date.now() - start < 1000);
  assert.match(errors[0]!.message, /cannot nest command blocks deeper than 32 levels/);
  const tests = compileErrors(`if ${"not ".repeat(5000)}true { keep; }`);
  assert.match(tests[0]!.message, /cannot nest tests deeper than 32 levels/);
});

test("a script over 1 MiB is refused without parsing", () => {
  const source = `# ${"x".repeat(1024 * 1024)}\nkeep;`;
  const start = Date.now();
  const errors = compileErrors(source);
  assert.ok(Date.now() - start < 1000);
  assert.match(errors[0]!.message, /script is too large/);
});

test("compile time grows linearly: a script just under 1 MiB costs about 8 times one of 128 KiB", () => {
  const line = 'if header :contains "subject" "abcdefghij" { keep; }\n';
  const timed = (bytes: number) => {
    const source = line.repeat(Math.floor(bytes / line.length));
    const start = process.hrtime.bigint();
    const result = engine.compile(source);
    assert.equal(result.ok, true);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  timed(64 * 1024);
  const small = timed(128 * 1024);
  const large = timed(1024 * 1024 - 100);
  // Linear is 8; a quadratic parser (nearley's own list operators) gives 60 and more.
  assert.ok(large / small < 24, `128 KiB: ${small.toFixed(0)} ms, 1 MiB: ${large.toFixed(0)} ms`);
});

const fragments = [
  "if",
  "elsif",
  "else",
  "require",
  "keep",
  "discard",
  "stop",
  "fileinto",
  "redirect",
  "header",
  "address",
  "allof",
  "anyof",
  "not",
  "true",
  "false",
  "exists",
  "size",
  ":is",
  ":contains",
  ":matches",
  ":over",
  ":comparator",
  '"i;octet"',
  '"subject"',
  '"x"',
  "[",
  "]",
  "(",
  ")",
  "{",
  "}",
  ",",
  ";",
  "10K",
  "0",
  "text:\n.\n",
  "# c\n",
  "/* c */",
  '"a\\"b"',
  "set",
  '"${x}"',
  ":copy",
  "\n",
  " ",
];

test("property: random token soup never throws and never parses ambiguously", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 40 }), (parts) => {
      const source = parts.join(" ");
      const result = engine.compile(source);
      assert.equal(typeof result.ok, "boolean");
    }),
    { numRuns: 1500 },
  );
});

const valid = [
  'require ["fileinto", "variables"];\nif header :matches "subject" "*x*" { fileinto "${1}"; } else { keep; }',
  'if anyof (address :domain "from" "a.b", size :over 1M) { discard; stop; }',
  'require "vacation";\nvacation :days 3 :subject "s" text:\nhi\n.\n;',
];

test("property: mutated valid scripts never throw (the parser asserts a single parse)", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...valid),
      fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.string({ maxLength: 3 })), { maxLength: 5 }),
      (base, edits) => {
        let source = base;
        for (const [at, kind, text] of edits) {
          const i = at % (source.length + 1);
          if (kind === 0) source = source.slice(0, i) + source.slice(i + 1);
          else if (kind === 1) source = source.slice(0, i) + text + source.slice(i);
          else
            source =
              source.slice(0, i) +
              source
                .slice(i, i + 5)
                .split("")
                .reverse()
                .join("") +
              source.slice(i + 5);
        }
        const result = engine.compile(source);
        if (!result.ok) assert.ok(result.errors.every((e) => e.pos.line >= 1 && e.pos.column >= 1));
      },
    ),
    { numRuns: 1500 },
  );
});
