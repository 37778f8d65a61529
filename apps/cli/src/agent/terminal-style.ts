/** Where terminal output goes: a stream with Node's TTY hints (both optional, so tests can pass a plain sink). */
export interface TerminalOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Whether to colour output written to `output`.
 *
 * Rules, first match wins: `NO_COLOR` set to anything non-empty disables
 * colour (https://no-color.org); `FORCE_COLOR` set to anything but `0`
 * enables it; otherwise colour only on a TTY whose `TERM` is not `dumb`.
 */
export function shouldUseColor(output: TerminalOutput, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return output.isTTY === true && env.TERM !== "dumb";
}

/** SGR styles used by the renderers. When disabled every function returns its input unchanged. */
export interface TerminalStyle {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

export function createTerminalStyle(enabled: boolean): TerminalStyle {
  const sgr = (open: number, close: number) => (text: string) => (enabled && text !== "" ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return {
    enabled,
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
  };
}
