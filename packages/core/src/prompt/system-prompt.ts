import type { BackendStatus } from "../backend/health-types.js";

/** A host folder visible to the backend. */
export interface PromptMount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** Everything the system prompt says about the situation; plain data, so any front end can fill it. */
export interface SystemPromptContext {
  /** Backend name: `host`, `docker`. */
  backend: string;
  /** The backend's one-line status summary. */
  summary?: string;
  /** Operating system or image commands run on (`Linux 6.1 (x64)`, `ubuntu:24.04`). */
  os?: string;
  /** Where commands start and relative paths resolve (the backend's own path). */
  workdir: string;
  /** Host folders mounted into the backend (Docker). */
  mounts?: PromptMount[];
  /** Today's date, `YYYY-MM-DD`. */
  date: string;
  /** Project instructions (AGENTS.md) and where they came from. */
  instructions?: { path: string; content: string };
  /** Who the assistant is (default: Mona, a terminal assistant). mom passes her own. */
  identity?: string;
  /** Front-end specific guidance appended at the end (mom: Slack formatting). */
  extra?: string;
}

export const DEFAULT_IDENTITY =
  "You are Mona, an AI assistant that gets things done in a terminal: you run shell commands and read, write and edit files with your tools to do what the user asks.";

/**
 * The system prompt: who the assistant is, where its commands run
 * (backend, OS, working directory, mounts), today's date, how to use the
 * tools, and the project's AGENTS.md when there is one. Pure: it reads
 * nothing itself (see {@link gatherPromptContext}).
 */
export function buildSystemPrompt(context: SystemPromptContext): string {
  const where = [
    `- Commands and file tools run on the ${context.backend} backend${context.summary ? ` (${context.summary})` : ""}.`,
    ...(context.os ? [`- Operating system: ${context.os}.`] : []),
    `- Working directory: ${context.workdir} (relative paths resolve against it).`,
  ];
  if (context.mounts !== undefined && context.mounts.length > 0) {
    where.push("- Host folders mounted in it:");
    for (const mount of context.mounts) where.push(`  - ${mount.target} (host ${mount.source}, ${mount.readOnly ? "read-only" : "read-write"})`);
  }
  if (context.backend !== "host") {
    where.push(
      `- Paths are the ${context.backend} backend's own: files outside the mounted folders exist only there, and the user's machine is reached only through the mounts.`,
    );
  }
  where.push(`- Today's date: ${context.date}.`);
  const sections = [
    context.identity ?? DEFAULT_IDENTITY,
    `# Where you work\n${where.join("\n")}`,
    [
      "# How to work",
      "- bash runs in one persistent shell: `cd` and `export` carry over between calls. Give long-running commands a `timeout` (seconds), or run them in the background with output to a file.",
      "- Read a file before editing it. Use edit for changes to existing files (old_string must match exactly once) and write for new files.",
      "- Long command output is cut to its head and tail; the full output is saved to a file you can page through with read (offset/limit).",
      "- Do not run destructive commands (deleting data outside the task, formatting disks, piping downloads into a shell) unless the user asked for them; some commands need the user's approval and may be refused.",
      "- Secret values in output are replaced with [REDACTED:NAME]; do not try to recover them.",
      "- Be concise. When you are done, say what you did and what the user should know.",
    ].join("\n"),
  ];
  if (context.instructions !== undefined) {
    sections.push(`# Project instructions (${context.instructions.path})\n${context.instructions.content.trim()}`);
  }
  if (context.extra !== undefined && context.extra.trim() !== "") sections.push(context.extra.trim());
  return sections.join("\n\n");
}

/** Mounts from `status().details.mounts` when a backend reports them as `[{ source, target, readOnly }]`. */
export function mountsFromStatus(status: BackendStatus): PromptMount[] | undefined {
  const mounts = status.details?.mounts;
  if (!Array.isArray(mounts)) return undefined;
  return mounts
    .filter((m): m is Record<string, unknown> => typeof m === "object" && m !== null && typeof (m as { target?: unknown }).target === "string")
    .map((m) => ({
      source: typeof m.source === "string" ? m.source : "?",
      target: m.target as string,
      readOnly: m.readOnly === true || m.readonly === true || m.mode === "ro",
    }));
}
