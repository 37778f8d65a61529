import type { Command, Option } from "commander";

/** Values a completion can offer for an option or an argument. */
export type ValueSource = { kind: "words"; words: readonly string[] } | { kind: "containers" } | { kind: "files" };

export interface CompletionOption {
  /** `--json`, `-b`, `--backend`... */
  flags: string[];
  description: string;
  /** Undefined for a flag that takes no value. */
  value?: ValueSource;
}

export interface CompletionNode {
  name: string;
  description: string;
  options: CompletionOption[];
  subcommands: CompletionNode[];
  /** What the command's positional arguments complete to. */
  argument?: ValueSource;
}

/** Where a value comes from that the command definitions cannot say (backend names, container names). */
export interface ValueHints {
  backends: readonly string[];
}

/**
 * The completion model of a commander program: every visible command, its
 * options and what their values complete to, read from the program itself so
 * the scripts never fall behind the commands.
 */
export function commandTree(program: Command, hints: ValueHints): CompletionNode {
  return describe(program, [], hints);
}

function describe(command: Command, path: readonly string[], hints: ValueHints): CompletionNode {
  const here = [...path, command.name()];
  const visible = command.commands.filter((sub) => !(sub as unknown as { _hidden?: boolean })._hidden);
  const node: CompletionNode = {
    name: command.name(),
    description: command.summary() || command.description().split(". ")[0] || "",
    options: [
      ...command.options.filter((option) => !option.hidden).map((option) => describeOption(option, hints)),
      // commander adds -h/--help to every command outside `options`.
      { flags: ["-h", "--help"], description: "show help for the command" },
    ],
    subcommands: visible.map((sub) => describe(sub, here, hints)),
  };
  const argument = argumentSource(here.slice(1).join(" "));
  if (argument) node.argument = argument;
  return node;
}

function describeOption(option: Option, hints: ValueHints): CompletionOption {
  const flags = [option.short, option.long].filter((flag): flag is string => flag !== undefined);
  const described: CompletionOption = { flags, description: option.description };
  if (!option.required && !option.optional) return described;
  if (option.long === "--backend") described.value = { kind: "words", words: hints.backends };
  else if (option.argChoices) described.value = { kind: "words", words: option.argChoices };
  else described.value = { kind: "files" };
  return described;
}

/** Positional arguments with a known set of values; everything else completes to files. */
function argumentSource(commandPath: string): ValueSource | undefined {
  switch (commandPath) {
    case "sandbox stop":
    case "sandbox rm":
      return { kind: "containers" };
    case "completion":
      return { kind: "words", words: ["bash", "zsh", "fish"] };
    default:
      return undefined;
  }
}

/** Every command path of the tree (`["sandbox", "ls"]`...), the root's own path being `[]`. */
export function commandPaths(node: CompletionNode, prefix: readonly string[] = []): { path: string[]; node: CompletionNode }[] {
  const own = { path: [...prefix], node };
  return [own, ...node.subcommands.flatMap((sub) => commandPaths(sub, [...prefix, sub.name]))];
}
