import { isWrapper, unwrap } from "./command-wrappers.js";
import { parseShell, type Redirect, type ShellCommand, type ShellList, type Word } from "./shell-words.js";
import { isSystemTarget, resolvePath, UNKNOWN } from "./system-paths.js";

/**
 * Walks a parsed command line the way a shell would run it and shows each
 * command that would run to a visitor: through wrappers (`sudo`, `env`,
 * `timeout`, ...), command paths (`/bin/rm`), leading assignments, `sh -c`
 * bodies, `eval`, scripts fed to a shell (`echo ... | sh`, here-documents),
 * `find -exec` and `xargs`, keeping track of `cd` and of variables set on the
 * same line. What it cannot see through is either reported as suspicious (the
 * gate asks) or noted as unseen.
 */

/** A word as far as it is known before the command runs. */
export interface Arg {
  /** The text, with `\0` (`UNKNOWN`) for each expansion whose value is not known; the home directory is `~`. */
  text: string;
  /** Whether `*`, `?` and `[` in the text are live globs. */
  glob: boolean;
  /** Command substitutions (`$( )`, backticks, `<( )`) whose output is part of the word. */
  substitutions: ShellList[];
}

/** One command that would run. */
export interface SeenCommand {
  /** The command's name: `rm` for `/usr/bin/rm` too. */
  name: string;
  args: Arg[];
  /** The working directory it would run in (`/`, `~/x`), or undefined when not known. */
  cwd: string | undefined;
}

/** A redirection that writes to a file: `> file`, `&> file`, `>| file`, `<> file`. */
export interface SeenWrite {
  path: Arg;
  cwd: string | undefined;
}

/** Why the gate should ask about something it cannot see through. */
export interface Suspicion {
  rule: string;
  reason: string;
}

export interface CommandVisitor<T> {
  command(command: SeenCommand): T | undefined;
  write(write: SeenWrite): T | undefined;
  suspicious(suspicion: Suspicion): T | undefined;
}

export interface WalkResult<T> {
  /** The first thing the visitor returned, if any. */
  found: T | undefined;
  /** What could not be seen and was not suspicious enough to ask about, e.g. `the script ./deploy.sh`. */
  unseen: string[];
}

/** How deep `sh -c`, `eval` and shells fed by pipes may nest before the walker stops and asks. */
export const MAX_REPARSE_DEPTH = 12;
/** How many commands the walker looks at before it stops and asks. */
export const MAX_WALKED_COMMANDS = 100_000;

const SHELLS = new Set(["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash", "posh", "fish", "rbash"]);
const DOWNLOADERS = new Set(["curl", "wget", "fetch"]);
const INTERPRETERS = new Set([
  "python",
  "python2",
  "python3",
  "perl",
  "ruby",
  "node",
  "nodejs",
  "deno",
  "bun",
  "php",
  "lua",
  "Rscript",
  "osascript",
  "tclsh",
  "awk",
  "gawk",
  "mawk",
]);
const WRITE_OPS = new Set([">", ">|", "&>", "<>"]);
/** Where a shell would read commands from, when it reads them from its input. */
type Stdin =
  /** The commands before this one in its pipeline: the first `count` of `from`. */
  | { kind: "pipe"; from: ReadonlyArray<SeenCommand | undefined>; count: number }
  | { kind: "text"; text: string | undefined; substitutions: ShellList[] }
  | { kind: "file"; path: string };

interface Scope {
  cwd: string | undefined;
  vars: Map<string, string>;
}

export function walkCommandLine<T>(command: string, visitor: CommandVisitor<T>): WalkResult<T> {
  const walker = new CommandWalker(visitor);
  walker.runCode(command, { cwd: undefined, vars: new Map() }, 0);
  return { found: walker.found, unseen: walker.unseen };
}

class CommandWalker<T> {
  found: T | undefined;
  readonly unseen: string[] = [];
  private walked = 0;

  constructor(private readonly visitor: CommandVisitor<T>) {}

  /** Parses `code` and walks it; `depth` counts the shells it is nested in. */
  runCode(code: string, scope: Scope, depth: number): void {
    if (depth > MAX_REPARSE_DEPTH) {
      this.suspect("too-complex", `nests shells more than ${MAX_REPARSE_DEPTH} deep, more than the approval check reads`);
      return;
    }
    const parsed = parseShell(code);
    this.walkList(parsed.list, scope, depth);
    if (parsed.truncated)
      this.suspect("too-complex", `is too long or too deeply nested for the approval check to read in full (${parsed.problems.at(-1) ?? "cut short"})`);
  }

  private walkList(list: ShellList, scope: Scope, depth: number): void {
    for (const pipeline of list.pipelines) {
      const piped = pipeline.commands.length > 1;
      const upstream: Array<SeenCommand | undefined> = [];
      for (const command of pipeline.commands) {
        if (this.found !== undefined) return;
        // The upstream array is shared, not copied: a long pipeline must not cost its length squared.
        const stdin: Stdin | undefined = upstream.length > 0 ? { kind: "pipe", from: upstream, count: upstream.length } : undefined;
        // Each part of a pipeline runs in its own subshell: its `cd` does not outlive it.
        upstream.push(this.walkCommand(command, piped ? fork(scope) : scope, depth, stdin));
      }
    }
  }

  private walkCommand(command: ShellCommand, scope: Scope, depth: number, stdin: Stdin | undefined): SeenCommand | undefined {
    if (++this.walked > MAX_WALKED_COMMANDS) {
      if (this.walked === MAX_WALKED_COMMANDS + 1)
        this.suspect("too-complex", `runs more than ${MAX_WALKED_COMMANDS} commands, more than the approval check reads`);
      return undefined;
    }
    for (const redirect of command.redirects) this.walkRedirect(redirect, scope, depth);
    if (command.type === "group") {
      this.walkList(command.body, command.subshell ? fork(scope) : scope, depth);
      return undefined;
    }
    const args: Arg[] = [];
    for (const word of command.words) {
      this.walkSubstitutions(word, scope, depth);
      for (const arg of resolveWord(word, scope)) args.push(arg);
    }
    return this.runArgs(args, scope, depth, stdinFromRedirects(command.redirects, scope) ?? stdin);
  }

  private walkRedirect(redirect: Redirect, scope: Scope, depth: number): void {
    this.walkSubstitutions(redirect.target, scope, depth);
    if (redirect.hereDoc?.word !== undefined) this.walkSubstitutions(redirect.hereDoc.word, scope, depth);
    const writesFile = WRITE_OPS.has(redirect.op) || (redirect.op === ">&" && !/^\d*-?$/.test(literalOf(redirect.target) ?? "x"));
    if (writesFile) {
      for (const path of resolveWord(redirect.target, scope)) this.report(this.visitor.write({ path, cwd: scope.cwd }));
    }
  }

  /** Command substitutions run before the command that uses their output. */
  private walkSubstitutions(word: Word, scope: Scope, depth: number): void {
    for (const part of word.parts) if (part.kind === "command") this.walkList(part.body, fork(scope), depth);
  }

  /** Runs a resolved argument list: assignments, wrappers and shells first, then the command itself. */
  private runArgs(args: Arg[], scope: Scope, depth: number, stdin: Stdin | undefined): SeenCommand | undefined {
    let rest = args;
    const prefix: Array<[string, string | undefined]> = [];
    while (rest.length > 0 && assignmentOf(rest[0]!) !== undefined) prefix.push(assignmentOf(rest.shift()!)!);
    if (rest.length === 0) {
      for (const [name, value] of prefix) setVar(scope, name, value);
      return undefined;
    }
    // `X=1 cmd`: the variables are the command's, not the shell's.
    let inner = scope;
    if (prefix.length > 0) {
      inner = fork(scope);
      for (const [name, value] of prefix) setVar(inner, name, value);
    }
    for (let unwraps = 0; rest.length > 0 && unwraps < 32; unwraps++) {
      const head = rest[0]!;
      if (!isKnown(head.text)) return this.runUnknownCommand(rest, inner.cwd);
      const name = commandName(head.text);
      const tail = rest.slice(1);
      if (name === "xargs") {
        const unwrapped = unwrap(
          name,
          tail.map((a) => a.text),
        );
        if (unwrapped.commandAt === -1) return undefined;
        rest = [...tail.slice(unwrapped.commandAt), ...argsFromInput(stdin)];
        stdin = undefined;
        continue;
      }
      if (isWrapper(name)) {
        const unwrapped = unwrap(
          name,
          tail.map((a) => a.text),
        );
        if (unwrapped.assignments.length > 0 || unwrapped.chdir !== undefined) inner = fork(inner);
        for (const assignment of unwrapped.assignments) {
          const eq = assignment.indexOf("=");
          setVar(inner, assignment.slice(0, eq), assignment.slice(eq + 1));
        }
        if (unwrapped.chdir !== undefined) inner.cwd = changeDirectory(inner.cwd, unwrapped.chdir);
        if (unwrapped.splitString !== undefined) {
          this.runCode(unwrapped.splitString.replaceAll(UNKNOWN, "$__unseen__"), inner, depth + 1);
          return undefined;
        }
        if (unwrapped.commandAt === -1) return undefined;
        rest = tail.slice(unwrapped.commandAt);
        continue;
      }
      return this.runCommand(name, tail, scope, inner, depth, stdin);
    }
    return undefined;
  }

  /** A command after its wrappers: shells, `eval`, `cd` and friends here; everything else goes to the visitor. */
  private runCommand(name: string, args: Arg[], scope: Scope, inner: Scope, depth: number, stdin: Stdin | undefined): SeenCommand | undefined {
    switch (name) {
      case "cd":
      case "pushd": {
        const target = args.find((a) => !/^-[LPe@]+$|^--$/.test(a.text));
        scope.cwd = target === undefined ? "~" : target.text === "-" ? undefined : changeDirectory(scope.cwd, target.text);
        return undefined;
      }
      case "for": {
        // `for d in / /etc; do rm -rf $d; done`: $d is each word; unquoted, `$d` splits back into them.
        const name = args[0]?.text ?? "";
        const values = args[1]?.text === "in" ? args.slice(2).map((a) => a.text) : [];
        const known = values.length > 0 && values.every((v) => isKnown(v) && !/\s/.test(v));
        setVar(scope, name, known ? values.join(" ") : undefined);
        return undefined;
      }
      case "popd":
        scope.cwd = undefined;
        return undefined;
      case "export":
      case "declare":
      case "typeset":
      case "local":
      case "readonly":
        for (const arg of args) {
          const assignment = assignmentOf(arg);
          if (assignment !== undefined) setVar(scope, assignment[0], assignment[1]);
        }
        return undefined;
      case "unset":
        for (const arg of args) scope.vars.delete(arg.text);
        return undefined;
      case "eval":
        this.runEval(args, inner, depth);
        return undefined;
      case "source":
      case ".":
        this.runScript(args[0], inner, depth, stdin);
        return undefined;
      case "alias":
        // An alias's value is code that may run later under another name: read it now.
        for (const arg of args) {
          const assignment = assignmentOf(arg);
          if (assignment?.[1] !== undefined) this.runCode(assignment[1], fork(inner), depth + 1);
        }
        return undefined;
      case "su":
        this.runSu(args, inner, depth);
        return undefined;
      case "watch":
        this.runWatch(args, inner, depth);
        return undefined;
    }
    if (SHELLS.has(name)) {
      this.runShell(args, inner, depth, stdin);
      return undefined;
    }
    if (INTERPRETERS.has(name) && args.some((a) => /^-[a-zA-Z]*[ceEr]$/.test(a.text) || name.endsWith("awk"))) this.note(`inline ${name} code`);
    const seen: SeenCommand = { name, args, cwd: inner.cwd };
    this.report(this.visitor.command(seen));
    if (name === "find") this.runFindExec(args, inner, depth);
    return seen;
  }

  /** `$CMD args`, `$(echo rm) -rf /`: the name is computed at run time; asked about only when it is pointed at / or a system directory. */
  private runUnknownCommand(args: Arg[], cwd: string | undefined): undefined {
    this.note("a command whose name is computed at run time");
    const aimsAtSystem = args.slice(1).some((a) => {
      const path = resolvePath(a.text, cwd);
      return path !== undefined && isSystemTarget(path, a.glob);
    });
    if (aimsAtSystem) this.suspect("opaque-command", "runs a command whose name is only known at run time on / , home or a system directory");
    return undefined;
  }

  /** `sh -c CODE`, `sh script`, `sh` reading its input, `bash -s`. */
  private runShell(args: Arg[], scope: Scope, depth: number, stdin: Stdin | undefined): void {
    let command = false;
    let fromInput = false;
    let i = 0;
    for (; i < args.length; i++) {
      const text = args[i]!.text;
      if (text === "--" || text === "-") {
        i++;
        break;
      }
      if (/^[-+][A-Za-z]+$/.test(text)) {
        if (text.includes("c")) command = true;
        if (text.includes("s")) fromInput = true;
        if (/[oO]/.test(text)) i++; // `-o errexit`, `-O extglob`
        continue;
      }
      if (text.startsWith("--")) {
        if (text === "--rcfile" || text === "--init-file") i++;
        continue;
      }
      break;
    }
    const operand = args[i];
    if (command) {
      if (operand === undefined) return;
      // `sh -c 'rm -rf "$1"' _ /`: the words after the code are $0, $1, ...
      const positional = fork(scope);
      for (const name of [...positional.vars.keys()]) if (/^[0-9@*#]$/.test(name)) positional.vars.delete(name);
      args.slice(i + 1).forEach((arg, n) => setVar(positional, String(n), arg.text));
      setVar(
        positional,
        "@",
        args
          .slice(i + 2)
          .map((a) => a.text)
          .join(" "),
      );
      setVar(
        positional,
        "*",
        args
          .slice(i + 2)
          .map((a) => a.text)
          .join(" "),
      );
      this.runShellCode(operand, positional, depth);
      return;
    }
    if (operand !== undefined && !fromInput && !/^\/dev\/(?:stdin|fd\/0)$|^\/proc\/self\/fd\/0$/.test(operand.text)) {
      this.runScript(operand, scope, depth, undefined);
      return;
    }
    this.runShellInput(stdin, scope, depth);
  }

  /** Code given as an argument (`sh -c`, `su -c`, `watch`): read it when it is known. */
  private runShellCode(code: Arg, scope: Scope, depth: number): void {
    if (this.downloads(code.substitutions)) return this.suspectDownload();
    if (code.text.trimStart().startsWith(UNKNOWN)) {
      this.suspect("opaque-shell", 'runs shell code that is only known at run time (such as sh -c "$CMD"), which the approval check cannot read');
      return;
    }
    if (!isKnown(code.text)) this.note("values of variables inside shell code");
    this.runCode(code.text.replaceAll(UNKNOWN, "$__unseen__"), fork(scope), depth + 1);
  }

  /** `eval`: the joined arguments are code. Unknown parts make it suspicious: eval exists to run code built at run time. */
  private runEval(args: Arg[], scope: Scope, depth: number): void {
    const code = args.map((a) => a.text).join(" ");
    if (this.downloads(args.flatMap((a) => a.substitutions))) return this.suspectDownload();
    if (!isKnown(code)) {
      this.suspect("eval", "runs code built at run time with eval, which the approval check cannot read");
      return;
    }
    this.runCode(code, scope, depth + 1);
  }

  /** `source FILE`, `sh FILE`: a script on disk cannot be read from here, a downloaded one is suspicious. */
  private runScript(script: Arg | undefined, scope: Scope, depth: number, stdin: Stdin | undefined): void {
    if (script === undefined) return;
    if (this.downloads(script.substitutions)) return this.suspectDownload();
    if (/^\/dev\/(?:stdin|fd\/0)$|^\/proc\/self\/fd\/0$|^-$/.test(script.text)) return this.runShellInput(stdin, scope, depth);
    if (script.substitutions.length > 0) {
      this.suspect("opaque-shell", "runs a script that another command generates, which the approval check cannot read");
      return;
    }
    this.note(`the script ${printable(script.text)}`);
  }

  /** A shell reading commands from its input: a pipe, a here-document, a here-string or a file. */
  private runShellInput(stdin: Stdin | undefined, scope: Scope, depth: number): void {
    if (stdin === undefined) return;
    if (stdin.kind === "file") {
      this.note(`the script ${printable(stdin.path)}`);
      return;
    }
    if (stdin.kind === "text") {
      if (this.downloads(stdin.substitutions)) return this.suspectDownload();
      if (stdin.text === undefined) {
        this.suspect("opaque-shell", "feeds a shell commands that are only known at run time, which the approval check cannot read");
        return;
      }
      this.runCode(stdin.text, fork(scope), depth + 1);
      return;
    }
    if (stdin.from.slice(0, stdin.count).some((c) => c !== undefined && DOWNLOADERS.has(c.name))) return this.suspectDownload();
    const source = stdin.from[stdin.count - 1];
    const text = source === undefined ? undefined : printedText(source);
    if (text === undefined) {
      this.suspect("pipe-to-shell", "pipes another program's output into a shell as commands (such as base64 -d | sh), which the approval check cannot read");
      return;
    }
    this.runCode(text, fork(scope), depth + 1);
  }

  /** `su [user] -c CODE`. */
  private runSu(args: Arg[], scope: Scope, depth: number): void {
    for (let i = 0; i < args.length; i++) {
      const text = args[i]!.text;
      if (text === "-c" || text === "--command") {
        const code = args[i + 1];
        if (code !== undefined) this.runShellCode(code, scope, depth);
        return;
      }
      if (text.startsWith("--command=")) {
        this.runShellCode({ ...args[i]!, text: text.slice("--command=".length) }, scope, depth);
        return;
      }
    }
  }

  /** `watch [options] COMMAND...`: the words are joined and run by `sh -c` (or directly with `-x`). */
  private runWatch(args: Arg[], scope: Scope, depth: number): void {
    let i = 0;
    let direct = false;
    for (; i < args.length && args[i]!.text.startsWith("-"); i++) {
      if (/^-[a-z]*x/.test(args[i]!.text) || args[i]!.text === "--exec") direct = true;
      if (/^-[a-z]*n$|^--interval$|^-[a-z]*q$/.test(args[i]!.text)) i++;
    }
    const rest = args.slice(i);
    if (rest.length === 0) return;
    if (direct) {
      this.runArgs(rest, fork(scope), depth, undefined);
      return;
    }
    this.runShellCode(joinArgs(rest), scope, depth);
  }

  /** `find ... -exec CMD ... ;`: each `-exec`, `-execdir`, `-ok` runs a command; `{}` is a found path. */
  private runFindExec(args: Arg[], scope: Scope, depth: number): void {
    for (let i = 0; i < args.length; i++) {
      if (!/^-(?:exec|execdir|ok|okdir)$/.test(args[i]!.text)) continue;
      const end = args.findIndex((a, j) => j > i && (a.text === ";" || a.text === "+"));
      const command = args.slice(i + 1, end === -1 ? args.length : end);
      this.runArgs(command, fork(scope), depth, undefined);
      i = end === -1 ? args.length : end;
    }
  }

  private downloads(substitutions: ShellList[]): boolean {
    return substitutions.some((list) => runsDownloader(list));
  }

  private suspectDownload(): void {
    this.suspect("pipe-to-shell", "downloads a script and runs it without showing it first");
  }

  private suspect(rule: string, reason: string): void {
    this.report(this.visitor.suspicious({ rule, reason }));
  }

  private report(found: T | undefined): void {
    if (this.found === undefined && found !== undefined) this.found = found;
  }

  private note(what: string): void {
    if (this.unseen.length < 20 && !this.unseen.includes(what)) this.unseen.push(what);
  }
}

function fork(scope: Scope): Scope {
  return { cwd: scope.cwd, vars: new Map(scope.vars) };
}

function setVar(scope: Scope, name: string, value: string | undefined): void {
  if (value === undefined || !isKnown(value)) scope.vars.delete(name);
  else scope.vars.set(name, value);
}

function isKnown(text: string): boolean {
  return !text.includes(UNKNOWN);
}

function printable(text: string): string {
  return text.replaceAll(UNKNOWN, "$…");
}

function literalOf(word: Word): string | undefined {
  return word.parts.every((p) => p.kind === "text") ? word.parts.map((p) => (p.kind === "text" ? p.text : "")).join("") : undefined;
}

/** `rm` for `rm`, `/bin/rm` and `/usr/bin/rm`; `./rm` stays `./rm` (a program in this directory, not the system's). */
function commandName(text: string): string {
  return text.startsWith("/") ? text.slice(text.lastIndexOf("/") + 1) : text;
}

function changeDirectory(cwd: string | undefined, target: string): string | undefined {
  return resolvePath(target, cwd);
}

/** `NAME=value` (or `NAME+=value`) as `[name, value]`; the value is undefined when it is not known. */
function assignmentOf(arg: Arg): [string, string | undefined] | undefined {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)\+?=/.exec(arg.text);
  if (match === null) return undefined;
  const value = arg.text.slice(match[0].length);
  return [match[1]!, isKnown(value) ? value : undefined];
}

function joinArgs(args: Arg[]): Arg {
  return { text: args.map((a) => a.text).join(" "), glob: args.some((a) => a.glob), substitutions: args.flatMap((a) => a.substitutions) };
}

/** What `echo` or `printf` with known arguments prints; undefined for any other command. */
function printedText(command: SeenCommand): string | undefined {
  const texts = command.args.map((a) => a.text);
  if (!texts.every(isKnown)) return undefined;
  if (command.name === "echo") {
    while (texts.length > 0 && /^-[neE]+$/.test(texts[0]!)) texts.shift();
    return `${texts.join(" ")}\n`;
  }
  if (command.name === "printf" && texts.length > 0) {
    const [format, ...values] = texts;
    let used = 0;
    const printed = format!.replace(/%[-+ #0-9.]*[sbdiqc%]|\\[nt0]/g, (spec) => {
      if (spec === "%%") return "%";
      if (spec === "\\n" || spec === "\\0") return "\n"; // NUL separates words for `xargs -0`
      if (spec === "\\t") return "\t";
      return values[used++] ?? "";
    });
    return `${printed}${values.slice(used).length > 0 ? ` ${values.slice(used).join(" ")}` : ""}`;
  }
  return undefined;
}

/** The arguments `xargs` adds from its input: `echo`'s words, `find`'s starting points, or one unknown word. */
function argsFromInput(stdin: Stdin | undefined): Arg[] {
  const source = stdin?.kind === "pipe" ? stdin.from[stdin.count - 1] : undefined;
  const printed = source === undefined ? undefined : printedText(source);
  if (printed !== undefined)
    return printed
      .split(/\s+/)
      .filter((t) => t !== "")
      .map((text) => ({ text, glob: false, substitutions: [] }));
  if (source?.name === "find") {
    const roots = source.args.filter((_, i) => !source.args.slice(0, i + 1).some((a) => /^[-(!]/.test(a.text)));
    const resolved = (roots.length > 0 ? roots.map((a) => a.text) : ["."]).map((text) => resolvePath(text, source.cwd) ?? UNKNOWN);
    return resolved.map((text) => ({ text, glob: false, substitutions: [] }));
  }
  return [{ text: UNKNOWN, glob: false, substitutions: [] }];
}

/** A shell's input from its redirections: `<<EOF`, `<<<`, `< file`. */
function stdinFromRedirects(redirects: Redirect[], scope: Scope): Stdin | undefined {
  let stdin: Stdin | undefined;
  for (const redirect of redirects) {
    if (redirect.hereDoc !== undefined) stdin = { kind: "text", text: redirect.hereDoc.text, substitutions: [] };
    else if (redirect.op === "<<<") {
      const [arg] = resolveWord(redirect.target, scope);
      stdin = { kind: "text", text: arg === undefined || !isKnown(arg.text) ? undefined : `${arg.text}\n`, substitutions: arg?.substitutions ?? [] };
    } else if (redirect.op === "<") {
      const [arg] = resolveWord(redirect.target, scope);
      // `< <(cmd)` reads another command's output, not a file.
      if (arg !== undefined && arg.substitutions.length > 0) stdin = { kind: "text", text: undefined, substitutions: arg.substitutions };
      else stdin = { kind: "file", path: arg?.text ?? UNKNOWN };
    }
  }
  return stdin;
}

function runsDownloader(list: ShellList): boolean {
  return list.pipelines.some((pipeline) =>
    pipeline.commands.some((command) =>
      command.type === "group"
        ? runsDownloader(command.body)
        : command.words.some((word) => {
            const text = literalOf(word);
            return text !== undefined && DOWNLOADERS.has(commandName(text));
          }),
    ),
  );
}

const GLOB_CHARS = /[*?[]/;

/**
 * What a word becomes before the command sees it: variables replaced by what
 * this line set them to (`$HOME` is `~`), unknown ones by `UNKNOWN`, unquoted
 * expansions split on blanks, `{a,b}` expanded.
 */
export function resolveWord(word: Word, scope: { cwd: string | undefined; vars: Map<string, string> }): Arg[] {
  let text = "";
  let glob = false;
  let split = false;
  const substitutions: ShellList[] = [];
  for (const part of word.parts) {
    if (part.kind === "text") {
      if (!part.quoted && GLOB_CHARS.test(part.text)) glob = true;
      text += part.text;
    } else if (part.kind === "param") {
      const value = paramValue(part.name, part.modifier, scope);
      if (value === undefined) {
        text += UNKNOWN;
        continue;
      }
      text += value;
      if (!part.quoted && /\s/.test(value)) split = true;
      if (!part.quoted && GLOB_CHARS.test(value)) glob = true;
    } else {
      text += UNKNOWN;
      if (part.kind === "command") substitutions.push(part.body);
    }
  }
  const only = word.parts.length === 1 ? word.parts[0] : undefined;
  const texts = split ? text.split(/\s+/).filter((t) => t !== "") : only?.kind === "text" && !only.quoted ? expandBraces(text) : [text];
  return texts.map((t) => ({ text: t, glob, substitutions }));
}

/**
 * A parameter's value when this line makes it known. `${X:-y}`, `${X:?}`
 * and `${X=y}` are X when X is set; other modifiers (`${X#y}`, `${#X}`)
 * compute something else, which is not known.
 */
function paramValue(name: string, modifier: string, scope: { cwd: string | undefined; vars: Map<string, string> }): string | undefined {
  if (modifier !== "" && !/^:?[-?=]/.test(modifier)) return undefined;
  if (scope.vars.has(name)) return scope.vars.get(name);
  if (name === "HOME") return "~";
  if (name === "PWD") return scope.cwd;
  // Unset, IFS splits on blanks: `rm${IFS}-rf${IFS}/` is `rm -rf /`.
  if (name === "IFS") return " ";
  return undefined;
}

const MAX_BRACE_EXPANSIONS = 64;

/** `/{bin,etc}` to `/bin` and `/etc` (comma lists only; at most 64 results). */
export function expandBraces(text: string, depth = 0): string[] {
  const open = text.indexOf("{");
  if (open === -1 || depth > 8 || text.length > 4096) return [text];
  let level = 0;
  const commas: number[] = [];
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "{") level++;
    else if (c === "}" && --level === 0) {
      if (commas.length === 0) return [text];
      const prefix = text.slice(0, open);
      const suffix = text.slice(i + 1);
      const bounds = [open, ...commas, i];
      const results: string[] = [];
      for (let k = 0; k + 1 < bounds.length && results.length < MAX_BRACE_EXPANSIONS; k++) {
        for (const tail of expandBraces(`${text.slice(bounds[k]! + 1, bounds[k + 1])}${suffix}`, depth + 1)) {
          if (results.length >= MAX_BRACE_EXPANSIONS) break;
          results.push(`${prefix}${tail}`);
        }
      }
      return results;
    } else if (c === "," && level === 1) commas.push(i);
  }
  return [text];
}
