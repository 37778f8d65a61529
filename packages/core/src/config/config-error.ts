/**
 * One thing wrong (or suspicious) in a config file, located precisely enough
 * to fix without searching: the file, the key path, the line, what is allowed
 * and how to fix it.
 */
export interface ConfigProblem {
  /** Absolute path of the config file. */
  file: string;
  /** Dotted key path, e.g. `terminal.timeout`; absent for file-level problems (syntax). */
  key?: string;
  /** 1-based line in the file, when the problem is in the file. */
  line?: number;
  /** 1-based column, when known. */
  column?: number;
  /** What is wrong, e.g. `is "fast"`. */
  message: string;
  /** What would be accepted, e.g. `a number of seconds from 0.001 to 2147483 (about 24.8 days)`. */
  allowed?: string;
  /** How to fix it, e.g. a command to run. */
  fix?: string;
}

/** Renders a problem as one line: `FILE:LINE: KEY: MESSAGE; allowed: ...; fix: ...`. */
export function formatConfigProblem(problem: ConfigProblem): string {
  let where = problem.file;
  if (problem.line !== undefined) where += `:${problem.line}`;
  if (problem.line !== undefined && problem.column !== undefined) where += `:${problem.column}`;
  let text = `${where}: ${problem.key === undefined ? "" : `${problem.key} `}${problem.message}`;
  if (problem.allowed !== undefined) text += `; allowed: ${problem.allowed}`;
  if (problem.fix !== undefined) text += `; fix: ${problem.fix}`;
  return text;
}

/**
 * The one error the config loader and editor throw for a bad config file or a
 * bad `config set`. Its message has one line per problem (see
 * {@link formatConfigProblem}) and is meant to be shown as is, without a stack
 * trace. `problems` carries the same facts for programs (`doctor --json`).
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly file: string;
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: readonly ConfigProblem[], options?: { cause?: unknown }) {
    super(problems.map(formatConfigProblem).join("\n"), options?.cause === undefined ? undefined : { cause: options.cause });
    this.file = file;
    this.problems = problems;
  }
}

export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}
