/** One problem in a scenario file, with where it is: `file:line:col: error: message`. */
export interface LoadError {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
  readonly message: string;
  /** A suggestion ("did you mean 'open'?"), or null. */
  readonly hint: string | null;
}

/** `hello.yaml:12:7: error: unknown key 'acess' (did you mean 'access'?)`. */
export function formatLoadError(error: LoadError): string {
  const hint = error.hint === null ? '' : ` (${error.hint})`;
  return `${error.file}:${error.line}:${error.col}: error: ${error.message}${hint}`;
}
