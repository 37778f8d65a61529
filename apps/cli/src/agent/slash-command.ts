/** What a line typed at the interactive prompt asks for. */
export type SlashCommand =
  | { type: "exit" }
  | { type: "new" }
  | { type: "model"; model: string | undefined }
  | { type: "help" }
  | { type: "unknown"; name: string };

/** The commands `/help` lists, in order. */
export const SLASH_COMMANDS_HELP: ReadonlyArray<readonly [string, string]> = [
  ["/new", "start a new session (the current one stays saved)"],
  ["/model <provider/model>", "switch the model for the next turns; /model alone shows it"],
  ["/exit", "leave (Ctrl-D works too)"],
  ["/help", "show this list"],
];

/** Parses a line starting with `/`; any other line is a prompt for Mona and returns undefined. */
export function parseSlashCommand(line: string): SlashCommand | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith("/")) return undefined;
  const [name = "", ...rest] = trimmed.split(/\s+/);
  const argument = rest.join(" ");
  switch (name.toLowerCase()) {
    case "/exit":
    case "/quit":
      return { type: "exit" };
    case "/new":
    case "/clear":
      return { type: "new" };
    case "/model":
      return { type: "model", model: argument === "" ? undefined : argument };
    case "/help":
    case "/?":
      return { type: "help" };
    default:
      return { type: "unknown", name };
  }
}
