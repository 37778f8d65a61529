import { mkdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";

/**
 * The layout of mom's data directory (mounted at `/workspace` in Docker mode):
 *
 * ```
 * <data>/MEMORY.md              global memory, given to the model
 * <data>/skills/<name>/SKILL.md global skills
 * <data>/events/*.json          scheduled events (see events/event-file.ts)
 * <data>/<channel>/MEMORY.md    channel memory
 * <data>/<channel>/skills/      channel skills
 * <data>/<channel>/log.jsonl    every message, append-only: the source of truth
 * <data>/<channel>/context.jsonl what the model sees, survives restarts
 * <data>/<channel>/attachments/ files users shared
 * <data>/<channel>/scratch/     the working directory of runs in that channel
 * ```
 */
export interface DataDir {
  /** Absolute host path. */
  root: string;
  memoryFile: string;
  skillsDir: string;
  eventsDir: string;
  channel(channelId: string): ChannelDir;
}

export interface ChannelDir {
  channelId: string;
  /** Path relative to the data dir root (the channel id). */
  relative: string;
  root: string;
  memoryFile: string;
  skillsDir: string;
  logFile: string;
  contextFile: string;
  attachmentsDir: string;
  scratchDir: string;
}

/** Channel and DM ids as Slack makes them; anything else is refused so an id can never name a path outside the data dir. */
const CHANNEL_ID = /^[CDG][A-Z0-9]{2,30}$/;

export function isChannelId(value: string): boolean {
  return CHANNEL_ID.test(value);
}

export function dataDirLayout(root: string): DataDir {
  const abs = resolve(root);
  return {
    root: abs,
    memoryFile: join(abs, "MEMORY.md"),
    skillsDir: join(abs, "skills"),
    eventsDir: join(abs, "events"),
    channel(channelId) {
      if (!isChannelId(channelId)) throw new Error(`not a Slack channel id: ${JSON.stringify(channelId)}`);
      const dir = join(abs, channelId);
      return {
        channelId,
        relative: channelId,
        root: dir,
        memoryFile: join(dir, "MEMORY.md"),
        skillsDir: join(dir, "skills"),
        logFile: join(dir, "log.jsonl"),
        contextFile: join(dir, "context.jsonl"),
        attachmentsDir: join(dir, "attachments"),
        scratchDir: join(dir, "scratch"),
      };
    },
  };
}

/** Creates the global directories (skills/, events/) of an existing data dir. */
export async function prepareDataDir(dir: DataDir): Promise<void> {
  await mkdir(dir.skillsDir, { recursive: true });
  await mkdir(dir.eventsDir, { recursive: true });
}

/** Creates a channel's directories (attachments/, scratch/, skills/). */
export async function prepareChannelDir(channel: ChannelDir): Promise<void> {
  await mkdir(channel.attachmentsDir, { recursive: true });
  await mkdir(channel.scratchDir, { recursive: true });
  await mkdir(channel.skillsDir, { recursive: true });
}

/** Whether `path` is an existing directory. */
export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
