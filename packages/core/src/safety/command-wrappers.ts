/**
 * Commands that run another command given as their arguments (`sudo rm ...`,
 * `env X=1 rm ...`, `timeout 5 rm ...`): which of their arguments are their
 * own options, so the command they run can be found.
 */

interface WrapperSpec {
  /** Short options that take a value (`-u root`, or attached: `-uroot`). */
  shortWithValue?: string;
  /** Long options that take a value when not written `--name=value`. */
  longWithValue?: string[];
  /** Operands before the command (`timeout`'s duration). */
  operands?: number;
  /** `VAR=value` words may come between the options and the command (`env`, `sudo`). */
  assignments?: boolean;
  /** Numeric options such as `nice -10`. */
  numericOptions?: boolean;
  /** Options after which nothing is run (`command -v rm` only prints). */
  runsNothingWith?: string;
  /** Options that set the directory the command runs in (`env -C DIR`, `sudo -D DIR`). */
  chdirOptions?: string[];
}

const WRAPPERS: Record<string, WrapperSpec> = {
  sudo: {
    shortWithValue: "ugCDhprtTU",
    longWithValue: ["--user", "--group", "--close-from", "--chdir", "--host", "--prompt", "--role", "--type", "--command-timeout", "--other-user"],
    assignments: true,
    runsNothingWith: "lvV",
    chdirOptions: ["-D", "--chdir"],
  },
  doas: { shortWithValue: "uC", runsNothingWith: "L" },
  env: { shortWithValue: "uCS", longWithValue: ["--unset", "--chdir", "--split-string"], assignments: true, chdirOptions: ["-C", "--chdir"] },
  nice: { shortWithValue: "n", longWithValue: ["--adjustment"], numericOptions: true },
  ionice: { shortWithValue: "cnp", longWithValue: ["--class", "--classdata", "--pid"] },
  nohup: {},
  setsid: {},
  unbuffer: {},
  builtin: {},
  timeout: { shortWithValue: "sk", longWithValue: ["--signal", "--kill-after"], operands: 1 },
  command: { runsNothingWith: "vV" },
  exec: { shortWithValue: "a" },
  time: { shortWithValue: "fo", longWithValue: ["--format", "--output"] },
  stdbuf: { shortWithValue: "ioe", longWithValue: ["--input", "--output", "--error"] },
  xargs: {
    shortWithValue: "adEILnPs",
    longWithValue: ["--arg-file", "--delimiter", "--max-lines", "--max-args", "--max-procs", "--max-chars", "--process-slot-var"],
  },
  busybox: {},
  chrt: { numericOptions: true, operands: 1 },
  taskset: { operands: 1 },
};

/** What a wrapper was told, besides the command it runs. */
export interface Unwrapped {
  /** Index of the wrapped command's name in the wrapper's arguments; -1 when it runs none. */
  commandAt: number;
  /** `VAR=value` words given to `env` or `sudo`. */
  assignments: string[];
  /** `env -C DIR` / `--chdir=DIR`: where the command runs. */
  chdir?: string;
  /** `env -S STRING` / `--split-string=STRING`: the command line to split. */
  splitString?: string;
}

export function isWrapper(name: string): boolean {
  return Object.hasOwn(WRAPPERS, name);
}

/**
 * Finds the command a wrapper runs in `args` (the words after the wrapper's
 * name, with known text; unknown words count as operands).
 */
export function unwrap(name: string, args: string[]): Unwrapped {
  const spec = WRAPPERS[name] ?? {};
  const result: Unwrapped = { commandAt: -1, assignments: [] };
  const remember = (option: string, value: string | undefined) => {
    if (value === undefined) return;
    if (spec.chdirOptions?.includes(option) === true) result.chdir = value;
    if (name === "env" && (option === "-S" || option === "--split-string")) result.splitString = value;
  };
  let i = 0;
  while (i < args.length) {
    const arg = args[i]!;
    if (arg === "--") {
      i++;
      break;
    }
    if (arg.startsWith("--") && arg.length > 2) {
      const eq = arg.indexOf("=");
      if (eq !== -1) remember(arg.slice(0, eq), arg.slice(eq + 1));
      else if (spec.longWithValue?.includes(arg) === true) remember(arg, args[++i]);
      i++;
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      if (spec.numericOptions === true && /^-\d+$/.test(arg)) {
        i++;
        continue;
      }
      const letters = arg.slice(1);
      if ([...letters].some((l) => spec.runsNothingWith?.includes(l) === true)) return result;
      const valueAt = [...letters].findIndex((l) => spec.shortWithValue?.includes(l) === true);
      if (valueAt !== -1) {
        const attached = letters.slice(valueAt + 1);
        remember(`-${letters[valueAt]}`, attached !== "" ? attached : args[++i]);
      }
      i++;
      continue;
    }
    break;
  }
  i += spec.operands ?? 0;
  while (spec.assignments === true && i < args.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(args[i]!)) result.assignments.push(args[i++]!);
  if (i < args.length) result.commandAt = i;
  return result;
}
