/** A parsed command line: the command, its positional arguments, and its options. */
export interface Args {
  readonly command: string | null;
  readonly positional: readonly string[];
  readonly options: ReadonlyMap<string, string | true>;
  /** 1-based column of each option's value (of the flag itself for a flag without one). */
  readonly columns: ReadonlyMap<string, number>;
  /** 1-based column of each positional argument. */
  readonly positionalColumns: readonly number[];
}

export class UsageError extends Error {
  /** 1-based column of the offending argument in the command line as typed. */
  readonly col: number;
  constructor(message: string, col: number) {
    super(message);
    this.col = col;
  }
}

/** Option name → takes a value? */
export type OptionSpec = Readonly<Record<string, boolean>>;

/** Parses `command [positional…] [--flag] [--key value | --key=value]`. */
export function parseArgs(argv: readonly string[], spec: OptionSpec): Args {
  const positional: string[] = [];
  const positionalColumns: number[] = [];
  const options = new Map<string, string | true>();
  const columns = new Map<string, number>();
  let command: string | null = null;
  let col = 1;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const at = col;
    col += arg.length + 1;
    if (arg.startsWith('--')) {
      const [key, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      if (!(key in spec)) throw new UsageError(`unknown option '--${key}'`, at);
      if (spec[key] === true) {
        let value = inline;
        let valueAt = at + 2 + key.length + 1;
        if (value === undefined) {
          value = argv[++i];
          if (value === undefined) throw new UsageError(`option '--${key}' needs a value`, at);
          valueAt = col;
          col += value.length + 1;
        }
        options.set(key, value);
        columns.set(key, valueAt);
      } else {
        if (inline !== undefined) throw new UsageError(`option '--${key}' takes no value`, at);
        options.set(key, true);
        columns.set(key, at);
      }
    } else if (command === null) {
      command = arg;
    } else {
      positional.push(arg);
      positionalColumns.push(at);
    }
  }
  return { command, positional, options, columns, positionalColumns };
}
