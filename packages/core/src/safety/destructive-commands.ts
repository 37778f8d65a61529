import { walkCommandLine, type Arg, type SeenCommand, type SeenWrite } from "./command-walker.js";
import { isDiskDevice, isSystemFile, isSystemTarget, isWritableDevice, resolvePath, UNKNOWN } from "./system-paths.js";

/** Why a command looks destructive, in words a person approving it understands. */
export interface DestructiveMatch {
  /** Stable id of the rule, e.g. `rm-root`. */
  rule: string;
  reason: string;
}

/** What the gate found in a command line. */
export interface CommandInspection {
  /** The first destructive (or suspiciously unreadable) thing it would do; undefined when none was seen. */
  match: DestructiveMatch | undefined;
  /**
   * What the gate could not see into and did not ask about, e.g. `the script
   * ./deploy.sh`, `inline python code`, `a value only known at run time in
   * rm's target`. Empty does not mean safe: see `detectDestructiveCommand`.
   */
  unseen: string[];
}

/** Shown where a person approves commands: what the gate cannot see. */
export const DESTRUCTIVE_DETECTION_NOTE = "Detection is best effort: it cannot see into scripts, variables or eval.";

type CommandRule = (command: SeenCommand, note: (what: string) => void) => DestructiveMatch | undefined;

const RM_ROOT: DestructiveMatch = { rule: "rm-root", reason: "recursively deletes / , home or a system directory" };
const CHMOD_ROOT: DestructiveMatch = { rule: "chmod-root", reason: "recursively changes permissions or owners of / or a system directory" };
const FORMATTERS = /^(?:mkfs(?:\.\w+)?|mke2fs|mkswap|wipefs|mkdosfs|mkntfs|mkexfatfs|blkdiscard|newfs(?:_\w+)?)$/;
const DELETERS = new Set(["rm", "shred", "unlink", "rmdir"]);

/** Options (`-rf`, `--force`) and operands of a command, split the way getopt-style tools read them (`--` ends options). */
function splitOptions(args: Arg[]): { options: string[]; operands: Arg[] } {
  const options: string[] = [];
  const operands: Arg[] = [];
  let ended = false;
  for (const arg of args) {
    if (!ended && arg.text === "--") ended = true;
    else if (!ended && arg.text.startsWith("-") && arg.text.length > 1) options.push(arg.text);
    else operands.push(arg);
  }
  return { options, operands };
}

/** `--rec` is `--recursive` to GNU tools: any unambiguous prefix of a long option counts. */
function hasLongOption(options: string[], long: string, shortest: number): boolean {
  return options.some((o) => o.length >= shortest && long.startsWith(o.split("=")[0]!));
}

function hasShortFlag(options: string[], letters: RegExp): boolean {
  return options.some((o) => /^-[a-zA-Z]+$/.test(o) && letters.test(o.slice(1)));
}

/**
 * Whether `arg` points at / , home or a system directory: as written, or if
 * every unknown part of it were empty (`$DIR/*` is `/*` when DIR is unset).
 */
function targetDanger(arg: Arg, cwd: string | undefined): "system" | "if-empty" | undefined {
  if (!arg.text.includes(UNKNOWN)) {
    const path = resolvePath(arg.text, cwd);
    return path !== undefined && isSystemTarget(path, arg.glob) ? "system" : undefined;
  }
  const emptied = arg.text.replaceAll(UNKNOWN, "");
  const path = resolvePath(emptied, cwd);
  return path !== undefined && emptied !== "" && isSystemTarget(path, arg.glob) ? "if-empty" : undefined;
}

function firstDangerousTarget(targets: Arg[], cwd: string | undefined, note: (what: string) => void, name: string): "system" | "if-empty" | undefined {
  let worst: "system" | "if-empty" | undefined;
  for (const target of targets) {
    const danger = targetDanger(target, cwd);
    if (danger === "system") return danger;
    worst ??= danger;
    if (target.text.includes(UNKNOWN)) note(`a value only known at run time in ${name}'s target`);
  }
  return worst;
}

const rmRoot: CommandRule = (command, note) => {
  if (command.name !== "rm") return undefined;
  const { options, operands } = splitOptions(command.args);
  if (hasLongOption(options, "--no-preserve-root", 4)) return RM_ROOT;
  const recursive = hasShortFlag(options, /[rR]/) || hasLongOption(options, "--recursive", 3);
  if (!recursive) return undefined;
  const danger = firstDangerousTarget(operands, command.cwd, note, "rm");
  if (danger === "system") return RM_ROOT;
  if (danger === "if-empty")
    return {
      rule: "rm-empty-variable",
      reason: "recursively deletes a path built from a variable (such as $DIR/*) that is / , home or a system directory if the variable is empty",
    };
  return undefined;
};

const chmodRoot: CommandRule = (command, note) => {
  if (command.name !== "chmod" && command.name !== "chown" && command.name !== "chgrp") return undefined;
  // `chmod -x file`: a mode, not an option.
  const args = command.name === "chmod" ? command.args.map((a) => (/^-[rwxXstugo]+$/.test(a.text) ? { ...a, text: a.text.slice(1) } : a)) : command.args;
  const { options, operands } = splitOptions(args);
  if (hasLongOption(options, "--no-preserve-root", 4)) return CHMOD_ROOT;
  if (!hasShortFlag(options, /R/) && !hasLongOption(options, "--recursive", 4)) return undefined;
  const targets = options.some((o) => o.startsWith("--reference")) ? operands : operands.slice(1);
  return firstDangerousTarget(targets, command.cwd, note, command.name) === undefined ? undefined : CHMOD_ROOT;
};

const findDeleteRoot: CommandRule = (command) => {
  if (command.name !== "find") return undefined;
  const texts = command.args.map((a) => a.text);
  const deletes = texts.some((t, i) => t === "-delete" || (/^-(?:exec|execdir|ok|okdir)$/.test(t) && DELETERS.has(basename(texts[i + 1] ?? ""))));
  if (!deletes) return undefined;
  // `find -L -D tree / ...`: options before the starting points.
  let start = 0;
  while (/^-[HLP]$|^-O\d*$|^-D$/.test(texts[start] ?? "")) start += texts[start] === "-D" ? 2 : 1;
  const rest = command.args.slice(start);
  const firstExpression = rest.findIndex((a) => /^[-(!]/.test(a.text));
  const roots = rest.slice(0, firstExpression === -1 ? rest.length : firstExpression);
  const starts = roots.length > 0 ? roots : [{ text: ".", glob: false, substitutions: [] }];
  return starts.some((root) => targetDanger(root, command.cwd) !== undefined)
    ? { rule: "find-delete-root", reason: "deletes files found from / or a system directory" }
    : undefined;
};

const mvRoot: CommandRule = (command) => {
  if (command.name !== "mv") return undefined;
  const { options, operands } = splitOptions(command.args);
  const intoDirectory = options.some((o) => o === "-t" || o.startsWith("--target-directory") || /^-[a-zA-Z]*t/.test(o));
  const sources = intoDirectory ? operands : operands.slice(0, -1);
  return sources.some((s) => targetDanger(s, command.cwd) === "system") ? { rule: "mv-root", reason: "moves / , home or a system directory away" } : undefined;
};

/** `rsync -a --delete empty/ /`: makes the destination match an (empty) source. */
const rsyncDeleteRoot: CommandRule = (command) => {
  if (command.name !== "rsync") return undefined;
  const { options, operands } = splitOptions(command.args);
  if (!options.some((o) => o.startsWith("--delete")) || operands.length < 2) return undefined;
  const destination = operands.at(-1)!;
  return targetDanger(destination, command.cwd) === "system"
    ? { rule: "rm-root", reason: "deletes files in / , home or a system directory (rsync --delete)" }
    : undefined;
};

const formatsDisk: CommandRule = (command) => (FORMATTERS.test(command.name) ? { rule: "mkfs", reason: "formats a filesystem" } : undefined);

const ddDevice: CommandRule = (command) => {
  if (command.name !== "dd") return undefined;
  const output = command.args.find((a) => a.text.startsWith("of="));
  const path = output === undefined ? undefined : resolvePath(output.text.slice(3), command.cwd);
  return path !== undefined && isWritableDevice(path) ? { rule: "dd-device", reason: "writes raw bytes onto a disk device" } : undefined;
};

const shredSystem: CommandRule = (command) => {
  if (command.name !== "shred") return undefined;
  const { operands } = splitOptions(command.args);
  const hits = operands.some((a) => {
    const path = resolvePath(a.text, command.cwd);
    return path !== undefined && (isWritableDevice(path) || isSystemFile(path) || isSystemTarget(path, a.glob));
  });
  return hits ? { rule: "shred", reason: "overwrites a disk or a system file with random data, beyond recovery" } : undefined;
};

/** `tee FILE`, `cp SRC /etc/passwd` and `truncate -s 0 FILE` write files just as `>` does. */
const writesSystemFile: CommandRule = (command) => {
  if (command.name === "tee") {
    const { operands } = splitOptions(command.args);
    const append = command.args.some((a) => a.text === "-a" || a.text === "--append");
    for (const operand of operands) {
      const found = append ? undefined : writeRule({ path: operand, cwd: command.cwd });
      if (found !== undefined) return found;
    }
  }
  if (command.name === "cp") {
    const destination = splitOptions(command.args).operands.at(-1);
    if (destination !== undefined) return writeRule({ path: destination, cwd: command.cwd });
  }
  if (command.name === "truncate") {
    // -s SIZE and -r FILE take the next word; it names no file truncate writes.
    const files = command.args.filter(
      (arg, i) => !arg.text.startsWith("-") && !["-s", "-r", "--size", "--reference"].includes(command.args[i - 1]?.text ?? ""),
    );
    for (const file of files) {
      const found = writeRule({ path: file, cwd: command.cwd });
      if (found !== undefined) return found;
    }
  }
  return undefined;
};

const killAll: CommandRule = (command) => {
  if (command.name !== "kill") return undefined;
  let i = 0;
  const args = command.args.map((a) => a.text);
  if (args[0] === "-s" || args[0] === "-n" || args[0] === "--signal") i = 2;
  else if (args[0] !== undefined && args[0].startsWith("-") && args[0] !== "--") i = 1;
  if (args[i] === "--") i++;
  return args.slice(i).includes("-1") ? { rule: "kill-all", reason: "kills every process" } : undefined;
};

const POWER: DestructiveMatch = { rule: "power", reason: "shuts down or reboots the machine" };
const power: CommandRule = (command) => {
  if (["shutdown", "reboot", "halt", "poweroff"].includes(command.name)) return POWER;
  const first = command.args.find((a) => !a.text.startsWith("-"))?.text;
  if ((command.name === "init" || command.name === "telinit") && (first === "0" || first === "6")) return POWER;
  if ((command.name === "systemctl" || command.name === "loginctl") && ["poweroff", "reboot", "halt", "kexec"].includes(first ?? "")) return POWER;
  return undefined;
};

const COMMAND_RULES: CommandRule[] = [
  rmRoot,
  rsyncDeleteRoot,
  formatsDisk,
  ddDevice,
  chmodRoot,
  findDeleteRoot,
  mvRoot,
  shredSystem,
  writesSystemFile,
  killAll,
  power,
];

/** Redirections (`> file`) and `tee` onto disks and system files. */
function writeRule(write: SeenWrite): DestructiveMatch | undefined {
  const path = resolvePath(write.path.text, write.cwd);
  if (path === undefined) return undefined;
  if (isDiskDevice(path)) return { rule: "redirect-device", reason: "overwrites a disk device" };
  if (path === "/proc/sysrq-trigger") return POWER;
  if (path.startsWith("/etc/")) return { rule: "overwrite-system-file", reason: "overwrites a system configuration file" };
  if (isSystemFile(path)) return { rule: "overwrite-system-file", reason: "overwrites a system program, library or boot file" };
  return undefined;
}

/**
 * `:(){ :|:& };:`: a function that pipes itself into itself in the background.
 * Bounded quantifiers, and only tried where a function is defined, so a long
 * line cannot make it backtrack for minutes.
 */
const FORK_BOMB = /([\w:]{1,64})\s{0,8}\(\)\s{0,8}\{[^}]{0,256}?\1\s{0,8}\|\s{0,8}\1\s{0,8}&/;
const DEFINES_FUNCTION = /\(\)\s*\{/;

function basename(text: string): string {
  return text.slice(text.lastIndexOf("/") + 1);
}

/**
 * Reads a shell command line as a shell would (see `shell-words.ts` and
 * `command-walker.ts`) and says whether it looks destructive enough to ask
 * before running it on a machine that matters, and what it could not see.
 */
export function inspectCommand(command: string): CommandInspection {
  if (DEFINES_FUNCTION.test(command) && FORK_BOMB.test(command))
    return { match: { rule: "fork-bomb", reason: "is a fork bomb (starts processes until the machine stops)" }, unseen: [] };
  const notes: string[] = [];
  const note = (what: string) => {
    if (notes.length < 20 && !notes.includes(what)) notes.push(what);
  };
  const result = walkCommandLine<DestructiveMatch>(command, {
    command: (seen) => {
      for (const rule of COMMAND_RULES) {
        const match = rule(seen, note);
        if (match !== undefined) return match;
      }
      return undefined;
    },
    write: writeRule,
    suspicious: (suspicion) => suspicion,
  });
  return { match: result.found, unseen: [...result.unseen, ...notes.filter((n) => !result.unseen.includes(n))] };
}

/**
 * Whether a shell command looks destructive enough to ask before running it
 * on a machine that matters: `rm -rf /` and home, `mkfs`, `dd of=/dev/sda`,
 * fork bombs, `curl ... | sh`, `chmod -R 777 /`, `find / -delete`,
 * overwriting system files, shutting down. Returns the first rule that
 * matches.
 *
 * Best effort, not a sandbox (Docker is the real guard). The command is
 * parsed as a shell would (quotes, escapes, separators, subshells, `$( )`,
 * `sh -c` bodies, wrappers like `sudo`/`env`/`timeout`, `/bin/rm`, `cd DIR`
 * before a relative target, variables set earlier on the same line), so the
 * usual spellings do not get through. What it cannot see: scripts on disk,
 * code for other interpreters (`python -c`), variables set elsewhere, aliases
 * and functions defined before, files a command reads. Of those, code that is
 * only known at run time and fed to a shell (`eval "$x"`, `sh -c "$CMD"`,
 * `... | sh`, `base64 -d | sh`) counts as destructive and is asked about;
 * the rest is listed by `inspectCommand` as unseen.
 */
export function detectDestructiveCommand(command: string): DestructiveMatch | undefined {
  return inspectCommand(command).match;
}
