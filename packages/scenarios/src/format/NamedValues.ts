import { ACCESS, PAGE, STATUS } from '@irpsim/core';
import { CTL_CODE, ERROR, FILE, FILE_DEVICE, FILE_OPTION, FILE_SKIP, INFINITE, IRP_MJ, METHOD, WAIT } from '@irpsim/io-manager';
import { didYouMean } from './didYouMean.ts';

/**
 * The Win32 error names a scenario knows: io-manager's table under their winerror.h names.
 * 258 is WAIT_TIMEOUT in winerror.h (there is no ERROR_WAIT_TIMEOUT); ERROR_TIMEOUT is a
 * different code, 1460.
 */
function win32Errors(): Map<string, number> {
  const errors = new Map<string, number>();
  for (const [k, v] of Object.entries(ERROR)) {
    if (k === 'WAIT_TIMEOUT') continue; // 258 is named WAIT_TIMEOUT, below
    errors.set(`ERROR_${k}`, v >>> 0);
  }
  errors.set('ERROR_TIMEOUT', 1460);
  return errors;
}

const ERROR_NAMES = new Map<number, string>();
for (const [k, v] of win32Errors()) if (!ERROR_NAMES.has(v)) ERROR_NAMES.set(v, k);
ERROR_NAMES.set(WAIT.TIMEOUT, 'WAIT_TIMEOUT');

/** The winerror.h name of a Win32 error code (`ERROR_MORE_DATA`, `WAIT_TIMEOUT`), or its number. */
export function win32ErrorName(error: number): string {
  return ERROR_NAMES.get(error >>> 0) ?? String(error >>> 0);
}

/**
 * The names every scenario can use, spelled as the Windows headers spell them: STATUS_*,
 * ERROR_*, WAIT_*, METHOD_*, FILE_* (IOCTL access, device types, access rights, share
 * modes), FILE_MAP_*, GENERIC_* and the standard rights, PAGE_*, INFINITE, TRUE, FALSE.
 */
export function builtInValues(): Map<string, number> {
  const values = new Map<string, number>();
  const add = (prefix: string, table: Readonly<Record<string, number>>) => {
    for (const [k, v] of Object.entries(table)) values.set(prefix + k, v >>> 0);
  };
  add('STATUS_', STATUS);
  for (const [k, v] of win32Errors()) values.set(k, v);
  add('WAIT_', WAIT);
  values.set('WAIT_ABANDONED', WAIT.ABANDONED_0);
  values.set('INFINITE', INFINITE);
  add('METHOD_', METHOD);
  // winioctl.h: the Access field of CTL_CODE.
  values.set('FILE_ANY_ACCESS', 0);
  values.set('FILE_SPECIAL_ACCESS', 0);
  values.set('FILE_READ_ACCESS', 1);
  values.set('FILE_WRITE_ACCESS', 2);
  add('FILE_DEVICE_', FILE_DEVICE);
  add('FILE_', FILE);
  add('FILE_', FILE_OPTION); // NtCreateFile's CreateOptions (nt-open)
  add('IRP_MJ_', IRP_MJ); // the `irps` expectation
  add('FILE_SKIP_', FILE_SKIP); // set-notification-modes (IO-7.16)
  // winnt.h: CreateFile's dwShareMode.
  values.set('FILE_SHARE_READ', 0x1);
  values.set('FILE_SHARE_WRITE', 0x2);
  values.set('FILE_SHARE_DELETE', 0x4);
  // memoryapi.h: MapViewOfFile's and OpenFileMapping's dwDesiredAccess.
  values.set('FILE_MAP_COPY', 0x1);
  values.set('FILE_MAP_WRITE', 0x2);
  values.set('FILE_MAP_READ', 0x4);
  values.set('FILE_MAP_EXECUTE', 0x20);
  values.set('FILE_MAP_ALL_ACCESS', 0x000f001f);
  add('', ACCESS);
  add('PAGE_', PAGE);
  values.set('INVALID_HANDLE_VALUE', 0xffffffff);
  values.set('TRUE', 1);
  values.set('FALSE', 0);
  return values;
}

export type Evaluated = { ok: true; value: number } | { ok: false; message: string; hint: string | null };

/** A compiled expression: a number now, or one that needs the values of repeat counters. */
export type Compiled =
  | { readonly ok: true; readonly value: number; readonly counters: readonly [] }
  | { readonly ok: true; readonly value: null; readonly counters: readonly string[]; run(counter: (name: string) => number): number }
  | { readonly ok: false; readonly message: string; readonly hint: string | null };

/** Ranges of the four CTL_CODE fields (winioctl.h, C1). */
export const CTL_FIELDS = [
  { name: 'deviceType', bits: 16 },
  { name: 'function', bits: 12 },
  { name: 'method', bits: 2 },
  { name: 'access', bits: 2 },
] as const;

/** Checks one CTL_CODE field's range; an error message, or null. */
export function ctlFieldProblem(index: number, value: number): string | null {
  const field = CTL_FIELDS[index]!;
  const max = 2 ** field.bits - 1;
  return value > max ? `the CTL_CODE field ${field.name} is ${field.bits} bits wide (0 … 0x${max.toString(16).toUpperCase()}); 0x${value.toString(16).toUpperCase()} does not fit` : null;
}

/**
 * The hint for an unknown name: given the name and the closest known spelling (or null),
 * says what to do (a value defined further down, a driver to add, a close spelling).
 */
export type UnknownHint = (name: string, close: string | null) => string | null;

/**
 * Named values and expressions: numbers (decimal or 0x hex), names, `A | B`, arithmetic
 * (`+ - * / %`, parentheses), and `CTL_CODE(deviceType, function, method, access)`.
 * Results are unsigned 32-bit numbers.
 */
export class NamedValues {
  private readonly values: Map<string, number>;
  /** Built-in names, to refuse a scenario value that would hide one. */
  readonly builtIn: ReadonlySet<string>;

  constructor(values: Map<string, number> = builtInValues()) {
    this.values = values;
    this.builtIn = new Set(values.keys());
  }

  set(name: string, value: number): void {
    this.values.set(name, value >>> 0);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  get(name: string): number | undefined {
    return this.values.get(name);
  }

  names(): IterableIterator<string> {
    return this.values.keys();
  }

  /** The name of a value, preferring names that start with `prefix` (for narration). */
  nameOf(value: number, prefix: string): string | null {
    for (const [k, v] of this.values) if (v === value >>> 0 && k.startsWith(prefix)) return k;
    return null;
  }

  /** Evaluates an expression that may use only named values (no counters). */
  evaluate(input: number | string, unknown?: UnknownHint): Evaluated {
    const c = this.compile(input, new Set(), unknown);
    if (!c.ok) return c;
    if (c.value === null) return { ok: false, message: `'${String(input)}' needs a repeat counter here`, hint: null };
    return { ok: true, value: c.value };
  }

  /**
   * Compiles an expression. Names in `counters` are repeat counters whose values are known
   * only while the actions run; an expression that uses one is evaluated then.
   */
  compile(input: number | string, counters: ReadonlySet<string>, unknown?: UnknownHint): Compiled {
    if (typeof input === 'number') {
      if (!Number.isInteger(input) || input < -0x80000000 || input > 0xffffffff) return { ok: false, message: `${input} is not a 32-bit whole number`, hint: null };
      return { ok: true, value: input >>> 0, counters: [] };
    }
    let tree: Node;
    try {
      tree = new Parser(String(input), this.values, counters, unknown).parse();
    } catch (error) {
      if (error instanceof ExpressionError) return { ok: false, message: error.message, hint: error.hint };
      throw error;
    }
    const used = countersOf(tree);
    if (used.length === 0) {
      try {
        return { ok: true, value: run(tree, () => 0) >>> 0, counters: [] };
      } catch (error) {
        if (error instanceof ExpressionError) return { ok: false, message: `'${String(input)}': ${error.message}`, hint: null };
        throw error;
      }
    }
    return {
      ok: true,
      value: null,
      counters: used,
      run: (counter) => {
        try {
          return run(tree, counter) >>> 0;
        } catch {
          return 0; // a division by a counter that is 0
        }
      },
    };
  }
}

// ── the expression language ──────────────────────────────────────────────────────────

type Node =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'counter'; readonly name: string }
  | { readonly kind: 'binary'; readonly op: string; readonly left: Node; readonly right: Node }
  | { readonly kind: 'ctl'; readonly args: readonly Node[] };

class ExpressionError extends Error {
  readonly hint: string | null;
  constructor(message: string, hint: string | null = null) {
    super(message);
    this.hint = hint;
  }
}

const TOKEN = /\s*(0x[0-9a-fA-F]+|[0-9]+|[A-Za-z_][A-Za-z0-9_]*|[|+\-*/%(),])/y;

/** A small precedence-climbing parser: `|` < `+ -` < `* / %` < atoms. */
class Parser {
  private readonly tokens: string[] = [];
  private at = 0;
  private readonly text: string;
  private readonly values: ReadonlyMap<string, number>;
  private readonly counters: ReadonlySet<string>;
  private readonly unknown: UnknownHint | undefined;

  constructor(text: string, values: ReadonlyMap<string, number>, counters: ReadonlySet<string>, unknown: UnknownHint | undefined) {
    this.text = text;
    this.values = values;
    this.counters = counters;
    this.unknown = unknown;
    TOKEN.lastIndex = 0;
    let m: RegExpExecArray | null;
    while (TOKEN.lastIndex < text.length && (m = TOKEN.exec(text)) !== null) this.tokens.push(m[1]!);
    if (text.slice(TOKEN.lastIndex).trim() !== '' || this.tokens.length === 0) throw new ExpressionError(`'${text}' is not a value`, 'write a number, a name, or an expression such as "GENERIC_READ | GENERIC_WRITE"');
  }

  parse(): Node {
    const node = this.or();
    if (this.at < this.tokens.length) throw new ExpressionError(`'${this.text}' is not a value: unexpected '${this.tokens[this.at]}'`);
    return node;
  }

  private peek(): string | undefined {
    return this.tokens[this.at];
  }

  private binary(next: () => Node, ops: readonly string[]): Node {
    let left = next();
    while (ops.includes(this.peek() ?? '')) {
      const op = this.tokens[this.at++]!;
      left = { kind: 'binary', op, left, right: next() };
    }
    return left;
  }

  private or = (): Node => this.binary(this.sum, ['|']);
  private sum = (): Node => this.binary(this.product, ['+', '-']);
  private product = (): Node => this.binary(this.atom, ['*', '/', '%']);

  private atom = (): Node => {
    const token = this.tokens[this.at++];
    if (token === undefined) throw new ExpressionError(`'${this.text}' is not a value: it ends too early`);
    if (token === '(') {
      const inner = this.or();
      if (this.tokens[this.at++] !== ')') throw new ExpressionError(`'${this.text}' is not a value: a '(' is not closed`);
      return inner;
    }
    if (/^0x/i.test(token)) return { kind: 'number', value: parseInt(token.slice(2), 16) };
    if (/^[0-9]/.test(token)) return { kind: 'number', value: Number(token) };
    if (token === 'CTL_CODE' && this.peek() === '(') return this.ctlCode();
    if (/^[A-Za-z_]/.test(token)) {
      if (this.counters.has(token)) return { kind: 'counter', name: token };
      const value = this.values.get(token);
      if (value !== undefined) return { kind: 'number', value };
      const close = didYouMean(token, [...this.values.keys(), ...this.counters]);
      const hint = this.unknown !== undefined ? this.unknown(token, close) : close === null ? null : `did you mean '${close}'?`;
      throw new ExpressionError(`unknown value '${token}'`, hint);
    }
    throw new ExpressionError(`'${this.text}' is not a value: unexpected '${token}'`);
  };

  private ctlCode(): Node {
    this.at++; // (
    const args: Node[] = [];
    for (;;) {
      if (this.peek() === ')' && args.length === 0) break;
      args.push(this.or());
      if (this.peek() === ',') {
        this.at++;
        continue;
      }
      break;
    }
    if (this.tokens[this.at++] !== ')') throw new ExpressionError(`'${this.text}' is not a value: CTL_CODE( is not closed`);
    if (args.length !== 4) throw new ExpressionError('CTL_CODE takes four arguments: deviceType, function, method, access');
    args.forEach((a, i) => {
      if (countersOf(a).length === 0) {
        const problem = ctlFieldProblem(i, run(a, () => 0) >>> 0);
        if (problem !== null) throw new ExpressionError(problem);
      }
    });
    return { kind: 'ctl', args };
  }
}

function countersOf(node: Node): string[] {
  switch (node.kind) {
    case 'number':
      return [];
    case 'counter':
      return [node.name];
    case 'binary':
      return [...new Set([...countersOf(node.left), ...countersOf(node.right)])];
    case 'ctl':
      return [...new Set(node.args.flatMap(countersOf))];
  }
}

function run(node: Node, counter: (name: string) => number): number {
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'counter':
      return counter(node.name);
    case 'ctl': {
      const [d, f, m, a] = node.args.map((n) => run(n, counter) >>> 0) as [number, number, number, number];
      return CTL_CODE(d & 0xffff, f & 0xfff, m & 3, a & 3);
    }
    case 'binary': {
      const l = run(node.left, counter);
      const r = run(node.right, counter);
      switch (node.op) {
        case '|':
          return (l | r) >>> 0;
        case '+':
          return l + r;
        case '-':
          return l - r;
        case '*':
          return l * r;
        case '/':
          if (r === 0) throw new ExpressionError('division by zero');
          return Math.trunc(l / r);
        default:
          if (r === 0) throw new ExpressionError('division by zero');
          return l % r;
      }
    }
  }
}
