// Sieve benchmarks: compile time of a 2,000-line script, and messages per second of a
// 50-rule script over 10,000 varied messages. Prints figures; asserts nothing.
import { MemoryEnvironment, SieveEngine, SieveMessage } from "../../dist/sieve/index.js";

const engine = new SieveEngine({ extensions: new Set(new SieveEngine().registry.names()) });

function ruleLines(i) {
  const kinds = [
    `if header :contains "subject" "keyword${i}" { fileinto "Folder${i}"; }`,
    `if address :domain :is "from" "domain${i}.example" { addflag "$Tag${i}"; }`,
    `if header :matches "list-id" "*<list${i}.*>*" { set :lower "l" "\${2}"; fileinto "Lists/\${l}"; stop; }`,
    `if allof (size :over ${i}K, exists "x-flag-${i}") { fileinto :copy "Big${i}"; }`,
    `if header :regex "subject" "^\\\\[ticket-${i}-([0-9]+)\\\\]" { fileinto "Tickets/\${1}"; }`,
  ];
  return kinds[i % kinds.length];
}

const HEADER = 'require ["fileinto", "imap4flags", "variables", "copy", "regex", "relational"];\n';

function script(rules) {
  return `${HEADER}${Array.from({ length: rules }, (_, i) => ruleLines(i)).join("\n")}\n`;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// Compile time: the 2,000-line script, 9 runs after a warm-up.
const big = script(2000);
engine.compile(big);
const times = [];
for (let i = 0; i < 9; i++) {
  const start = process.hrtime.bigint();
  const result = engine.compile(big);
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
  if (!result.ok) throw new Error(JSON.stringify(result.errors[0]));
}
console.log(`sieve compile, 2,000 lines (${big.length} bytes): median ${median(times).toFixed(1)} ms`);

// Throughput: a 50-rule script over 10,000 varied messages.
const compiled = engine.compile(script(50));
if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors[0]));
const messages = Array.from({ length: 10_000 }, (_, i) => {
  const n = i % 60;
  const lines = [
    `From: User ${i} <user${i}@domain${n}.example>`,
    `To: bob@example.net`,
    `Subject: ${i % 7 === 0 ? `[ticket-${n}-${i}] ` : ""}message ${i} keyword${n}`,
    `Message-ID: <${i}@bench.example>`,
    ...(i % 3 === 0 ? [`List-Id: List ${n} <list${n}.lists.example>`] : []),
    ...(i % 11 === 0 ? [`X-Flag-${n}: yes`] : []),
    "",
    "x".repeat(200 + (i % 50) * 100),
    "",
  ];
  return Buffer.from(lines.join("\r\n"));
});
const env = new MemoryEnvironment();
const start = process.hrtime.bigint();
let actions = 0;
for (const raw of messages) {
  const result = await engine.run(compiled.script, {
    message: new SieveMessage(raw),
    envelope: { from: "sender@example.org", to: "bob@example.net" },
    env,
  });
  actions += result.actions.length;
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(
  `sieve run, 50 rules over 10,000 messages: ${(10_000 / seconds).toFixed(0)} messages/s (${seconds.toFixed(2)} s, ${actions} actions)`,
);
