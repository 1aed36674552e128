/**
 * POSIX getopt(3), as dovecot-lda reads its arguments: options up to the first operand or "--";
 * flags may be grouped ("-ek"); an option's value follows it, joined ("-dbob") or as the next
 * argument ("-d bob"). Written here rather than with util.parseArgs, whose loading was a measurable
 * part of a loft-lda start, and which also takes options after operands, as getopt does not.
 */
export interface GetoptResult {
  /** Each option met, in order: its letter and its value (true for a flag). */
  options: [letter: string, value: string | true][];
  operands: string[];
}

/** `withValue` and `flags` list the option letters that take a value and those that do not. */
export function getopt(argv: readonly string[], withValue: string, flags: string): GetoptResult {
  const options: GetoptResult["options"] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      i++;
      break;
    }
    if (arg.length < 2 || arg[0] !== "-") break;
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j]!;
      if (withValue.includes(letter)) {
        const value = j + 1 < arg.length ? arg.slice(j + 1) : argv[++i];
        if (value === undefined) throw new Error(`option -${letter} needs a value`);
        options.push([letter, value]);
        break;
      }
      if (!flags.includes(letter)) throw new Error(`unknown option -${letter}`);
      options.push([letter, true]);
    }
  }
  return { options, operands: argv.slice(i) };
}
