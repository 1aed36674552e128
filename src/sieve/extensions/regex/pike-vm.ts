// A POSIX extended regular expression engine that runs in time linear in the input
// (Thompson NFA simulated as a Pike VM with submatch tracking), so that no pattern can hang
// delivery. Submatches follow leftmost-first priority rather than POSIX leftmost-longest.

type CharTest = (c: number) => boolean;

type Inst =
  | { op: "char"; test: CharTest }
  | { op: "split"; x: number; y: number }
  | { op: "jmp"; x: number }
  | { op: "save"; slot: number }
  | { op: "assert"; kind: "bol" | "eol" | "word" | "nonword" }
  | { op: "match" };

type Node =
  | { t: "char"; test: CharTest }
  | { t: "cat"; items: Node[] }
  | { t: "alt"; items: Node[] }
  | { t: "group"; index: number; body: Node }
  | { t: "repeat"; body: Node; min: number; max: number }
  | { t: "assert"; kind: "bol" | "eol" | "word" | "nonword" }
  | { t: "empty" };

export class RegexSyntaxError extends Error {}

const MAX_PROGRAM = 20_000;

const isWord = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

const CLASSES: Record<string, CharTest> = {
  alpha: (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  digit: (c) => c >= 48 && c <= 57,
  alnum: (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  upper: (c) => c >= 65 && c <= 90,
  lower: (c) => c >= 97 && c <= 122,
  space: isSpace,
  blank: (c) => c === 32 || c === 9,
  punct: (c) =>
    (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126),
  print: (c) => c >= 32 && c !== 127,
  graph: (c) => c > 32 && c !== 127,
  cntrl: (c) => c < 32 || c === 127,
  xdigit: (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102),
};

function foldCase(test: CharTest): CharTest {
  return (c) => test(c) || (c >= 65 && c <= 90 && test(c + 32)) || (c >= 97 && c <= 122 && test(c - 32));
}

class Parser {
  private pos = 0;
  groups = 0;

  constructor(
    private readonly chars: number[],
    private readonly icase: boolean,
  ) {}

  parse(): Node {
    const node = this.alternation();
    if (this.pos < this.chars.length) throw new RegexSyntaxError("unmatched )");
    return node;
  }

  private peek(): number | undefined {
    return this.chars[this.pos];
  }

  private alternation(): Node {
    const items = [this.concatenation()];
    while (this.peek() === 0x7c) {
      this.pos++;
      items.push(this.concatenation());
    }
    return items.length === 1 ? items[0]! : { t: "alt", items };
  }

  private concatenation(): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === 0x7c || c === 0x29) break;
      items.push(this.repetition());
    }
    return items.length === 0 ? { t: "empty" } : items.length === 1 ? items[0]! : { t: "cat", items };
  }

  private repetition(): Node {
    let node = this.atom();
    for (;;) {
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === 0x2a) [min, max] = [0, Infinity];
      else if (c === 0x2b) [min, max] = [1, Infinity];
      else if (c === 0x3f) [min, max] = [0, 1];
      else if (c === 0x7b && this.isBound()) {
        [min, max] = this.bound();
        node = { t: "repeat", body: node, min, max };
        continue;
      } else break;
      this.pos++;
      node = { t: "repeat", body: node, min, max };
    }
    return node;
  }

  private isBound(): boolean {
    const rest = String.fromCodePoint(...this.chars.slice(this.pos, this.pos + 12));
    return /^\{[0-9]+(,[0-9]*)?\}/.test(rest);
  }

  private bound(): [number, number] {
    const rest = String.fromCodePoint(...this.chars.slice(this.pos, this.pos + 12));
    const m = /^\{([0-9]+)(,([0-9]*))?\}/.exec(rest)!;
    this.pos += m[0].length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
    if (max < min || min > 255 || (max !== Infinity && max > 255))
      throw new RegexSyntaxError("invalid repetition count");
    return [min, max];
  }

  private literal(c: number): Node {
    const test: CharTest = (x) => x === c;
    return { t: "char", test: this.icase ? foldCase(test) : test };
  }

  private atom(): Node {
    const c = this.chars[this.pos++];
    if (c === undefined) throw new RegexSyntaxError("unexpected end of pattern");
    switch (c) {
      case 0x28: {
        const index = ++this.groups;
        const body = this.alternation();
        if (this.chars[this.pos++] !== 0x29) throw new RegexSyntaxError("unmatched (");
        return { t: "group", index, body };
      }
      case 0x2e:
        return { t: "char", test: () => true };
      case 0x5e:
        return { t: "assert", kind: "bol" };
      case 0x24:
        return { t: "assert", kind: "eol" };
      case 0x5b:
        return this.bracket();
      case 0x2a:
      case 0x2b:
      case 0x3f:
        throw new RegexSyntaxError("repetition operator without operand");
      case 0x5c: {
        const e = this.chars[this.pos++];
        if (e === undefined) throw new RegexSyntaxError("trailing backslash");
        // GNU extensions that glibc's regcomp (used by Pigeonhole) accepts.
        if (e === 0x77) return { t: "char", test: isWord };
        if (e === 0x57) return { t: "char", test: (x) => !isWord(x) };
        if (e === 0x73) return { t: "char", test: isSpace };
        if (e === 0x53) return { t: "char", test: (x) => !isSpace(x) };
        if (e === 0x62) return { t: "assert", kind: "word" };
        if (e === 0x42) return { t: "assert", kind: "nonword" };
        if (e >= 0x31 && e <= 0x39) throw new RegexSyntaxError("back-references are not supported");
        return this.literal(e);
      }
      default:
        return this.literal(c);
    }
  }

  private bracket(): Node {
    let negate = false;
    if (this.peek() === 0x5e) {
      negate = true;
      this.pos++;
    }
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      const c = this.chars[this.pos++];
      if (c === undefined) throw new RegexSyntaxError("unmatched [");
      if (c === 0x5d && !first) break;
      first = false;
      if (c === 0x5b && this.peek() === 0x3a) {
        const rest = String.fromCodePoint(...this.chars.slice(this.pos, this.pos + 10));
        const m = /^:([a-z]+):\]/.exec(rest);
        if (m === null || CLASSES[m[1]!] === undefined) throw new RegexSyntaxError("invalid character class");
        tests.push(CLASSES[m[1]!]!);
        this.pos += m[0].length;
        continue;
      }
      if (
        this.peek() === 0x2d &&
        this.chars[this.pos + 1] !== 0x5d &&
        this.chars[this.pos + 1] !== undefined
      ) {
        const hi = this.chars[this.pos + 1]!;
        this.pos += 2;
        if (hi < c) throw new RegexSyntaxError("invalid range");
        tests.push((x) => x >= c && x <= hi);
        continue;
      }
      tests.push((x) => x === c);
    }
    const any: CharTest = (x) => tests.some((t) => t(x));
    const cased = this.icase ? foldCase(any) : any;
    return { t: "char", test: negate ? (x) => !cased(x) : cased };
  }
}

function compileNode(node: Node, prog: Inst[]): void {
  if (prog.length > MAX_PROGRAM) throw new RegexSyntaxError("regular expression is too complex");
  switch (node.t) {
    case "empty":
      return;
    case "char":
      prog.push({ op: "char", test: node.test });
      return;
    case "assert":
      prog.push({ op: "assert", kind: node.kind });
      return;
    case "cat":
      for (const item of node.items) compileNode(item, prog);
      return;
    case "group":
      prog.push({ op: "save", slot: node.index * 2 });
      compileNode(node.body, prog);
      prog.push({ op: "save", slot: node.index * 2 + 1 });
      return;
    case "alt": {
      const jumps: Extract<Inst, { op: "jmp" }>[] = [];
      node.items.forEach((item, i) => {
        if (i < node.items.length - 1) {
          const split: Extract<Inst, { op: "split" }> = { op: "split", x: prog.length + 1, y: 0 };
          prog.push(split);
          compileNode(item, prog);
          const jmp: Extract<Inst, { op: "jmp" }> = { op: "jmp", x: 0 };
          prog.push(jmp);
          jumps.push(jmp);
          split.y = prog.length;
        } else compileNode(item, prog);
      });
      for (const j of jumps) j.x = prog.length;
      return;
    }
    case "repeat": {
      for (let i = 0; i < node.min; i++) compileNode(node.body, prog);
      if (node.max === Infinity) {
        const split: Extract<Inst, { op: "split" }> = { op: "split", x: prog.length + 1, y: 0 };
        prog.push(split);
        compileNode(node.body, prog);
        prog.push({ op: "jmp", x: prog.indexOf(split) });
        split.y = prog.length;
        return;
      }
      const splits: Extract<Inst, { op: "split" }>[] = [];
      for (let i = node.min; i < node.max; i++) {
        const split: Extract<Inst, { op: "split" }> = { op: "split", x: prog.length + 1, y: 0 };
        prog.push(split);
        splits.push(split);
        compileNode(node.body, prog);
      }
      for (const s of splits) s.y = prog.length;
      return;
    }
  }
}

export interface Regex {
  /** Capture groups (0 = the whole match) of the leftmost match, or null. */
  exec(input: string, checkDeadline?: () => void): (string | undefined)[] | null;
}

export function compileRegex(pattern: string, icase: boolean): Regex {
  const chars = Array.from(pattern, (c) => c.codePointAt(0)!);
  const parser = new Parser(chars, icase);
  const tree = parser.parse();
  const groups = parser.groups;
  // Unanchored search: a lazy `.*` prefix, then group 0 around the pattern. A pattern that
  // starts with `^` can only match at the start, so it needs no prefix.
  const first = tree.t === "cat" ? tree.items[0] : tree;
  const anchored = first?.t === "assert" && first.kind === "bol";
  const prog: Inst[] = anchored
    ? [{ op: "save", slot: 0 }]
    : [
        { op: "split", x: 3, y: 1 },
        { op: "char", test: () => true },
        { op: "jmp", x: 0 },
        { op: "save", slot: 0 },
      ];
  compileNode(tree, prog);
  prog.push({ op: "save", slot: 1 }, { op: "match" });
  const slots = (groups + 1) * 2;
  return { exec: (input, checkDeadline) => run(prog, slots, input, checkDeadline) };
}

interface Thread {
  pc: number;
  saved: number[];
}

function run(
  prog: Inst[],
  slots: number,
  input: string,
  checkDeadline?: () => void,
): (string | undefined)[] | null {
  const text = Array.from(input, (c) => c.codePointAt(0)!);
  const offsets = new Array<number>(text.length + 1);
  offsets[0] = 0;
  for (let i = 0; i < text.length; i++) offsets[i + 1] = offsets[i]! + (text[i]! > 0xffff ? 2 : 1);
  let current: Thread[] = [];
  let matched: number[] | null = null;
  const seen = new Int32Array(prog.length).fill(-1);

  const add = (list: Thread[], pc: number, saved: number[], at: number, generation: number): void => {
    // Iterative epsilon closure in priority order (a stack of pending threads).
    const stack: Thread[] = [{ pc, saved }];
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (seen[t.pc] === generation) continue;
      seen[t.pc] = generation;
      const inst = prog[t.pc]!;
      switch (inst.op) {
        case "jmp":
          stack.push({ pc: inst.x, saved: t.saved });
          break;
        case "split":
          stack.push({ pc: inst.y, saved: t.saved }, { pc: inst.x, saved: t.saved });
          break;
        case "save": {
          const copy = t.saved.slice();
          copy[inst.slot] = at;
          stack.push({ pc: t.pc + 1, saved: copy });
          break;
        }
        case "assert": {
          const prev = at > 0 ? text[at - 1]! : -1;
          const next = at < text.length ? text[at]! : -1;
          const boundary = (prev !== -1 && isWord(prev)) !== (next !== -1 && isWord(next));
          const ok =
            inst.kind === "bol"
              ? at === 0
              : inst.kind === "eol"
                ? at === text.length
                : inst.kind === "word"
                  ? boundary
                  : !boundary;
          if (ok) stack.push({ pc: t.pc + 1, saved: t.saved });
          break;
        }
        default:
          list.push(t);
      }
    }
  };

  let generation = 0;
  add(current, 0, new Array(slots).fill(-1), 0, generation);
  for (let at = 0; at <= text.length; at++) {
    if (checkDeadline !== undefined && at % 4096 === 4095) checkDeadline();
    const next: Thread[] = [];
    generation++;
    for (const t of current) {
      const inst = prog[t.pc]!;
      if (inst.op === "match") {
        matched = t.saved;
        // Lower-priority threads are cut off: leftmost-first semantics.
        break;
      }
      if (inst.op === "char" && at < text.length && inst.test(text[at]!)) {
        add(next, t.pc + 1, t.saved, at + 1, generation);
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  if (matched === null) return null;
  const out: (string | undefined)[] = [];
  for (let g = 0; g < slots / 2; g++) {
    const s = matched[g * 2]!;
    const e = matched[g * 2 + 1]!;
    out.push(s === -1 || e === -1 ? undefined : input.slice(offsets[s], offsets[e]));
  }
  return out;
}
