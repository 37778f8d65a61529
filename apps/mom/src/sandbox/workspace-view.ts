import { posix } from "node:path";

/** Where mom's tools run: on the host, in one attached container, or in one container per channel. */
export type SandboxKind = "host" | "docker" | "docker-per-channel";

/** Where a channel container sees the data directory's shared skills (read-only). */
export const SHARED_SKILLS_PATH = "/skills";

/**
 * How one channel's tools see the data directory: which paths they use for
 * it, and which parts they cannot see at all.
 *
 * - `host` and `docker`: the whole data directory is the workspace
 *   (`<workspace>/<channel>/...`, `<workspace>/skills/...`).
 * - `docker-per-channel`: the workspace is the channel's own directory;
 *   the shared skills are at {@link SHARED_SKILLS_PATH}; nothing else of the
 *   data directory (other channels, global memory, global events) is visible.
 */
export interface WorkspaceView {
  kind: SandboxKind;
  /** The workspace as the tools see it (what `attach` shares from). */
  workspace: string;
  /** The channel's directory as the tools see it. */
  channelDir: string;
  /** The data directory's `skills/` as the tools see it. */
  sharedSkillsDir: string;
  /** The events directory this channel's tools write to. */
  eventsDir: string;
  /** The global MEMORY.md when the tools can edit it; undefined when it is read-only for them. */
  globalMemoryFile: string | undefined;
  /** A path relative to the data directory (`C1/attachments/x`, `skills/s/SKILL.md`) as the tools see it, or undefined when they cannot see it. */
  toolPath(dataRelative: string): string | undefined;
}

export function workspaceView(kind: SandboxKind, workspacePath: string, channelId: string): WorkspaceView {
  const ws = workspacePath.replace(/\/+$/, "") || "/";
  const join = (...parts: string[]) => posix.join(ws, ...parts);
  if (kind !== "docker-per-channel") {
    return {
      kind,
      workspace: ws,
      channelDir: join(channelId),
      sharedSkillsDir: join("skills"),
      eventsDir: join("events"),
      globalMemoryFile: join("MEMORY.md"),
      toolPath: (dataRelative) => join(dataRelative),
    };
  }
  return {
    kind,
    workspace: ws,
    channelDir: ws,
    sharedSkillsDir: SHARED_SKILLS_PATH,
    eventsDir: join("events"),
    globalMemoryFile: undefined,
    toolPath(dataRelative) {
      const clean = posix.normalize(dataRelative);
      const [head, ...rest] = clean.split("/");
      if (head === channelId) return join(...rest);
      if (head === "skills") return posix.join(SHARED_SKILLS_PATH, ...rest);
      return undefined;
    },
  };
}
