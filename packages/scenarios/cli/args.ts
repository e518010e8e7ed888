/** A parsed command line: the command, its positional arguments, and its options. */
export interface Args {
  readonly command: string | null;
  readonly positional: readonly string[];
  readonly options: ReadonlyMap<string, string | true>;
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
  const options = new Map<string, string | true>();
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
        if (value === undefined) {
          value = argv[++i];
          if (value === undefined) throw new UsageError(`option '--${key}' needs a value`, at);
          col += value.length + 1;
        }
        options.set(key, value);
      } else {
        if (inline !== undefined) throw new UsageError(`option '--${key}' takes no value`, at);
        options.set(key, true);
      }
    } else if (command === null) {
      command = arg;
    } else {
      positional.push(arg);
    }
  }
  return { command, positional, options };
}
