import { ConfinedDir } from "@monoclaw/core";

/**
 * The layout of mom's data directory (mounted read-write at `/workspace` in
 * Docker mode, the tools' working tree in host mode):
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
 *
 * Everything in it can be written by the sandbox, so mom's own reads and
 * writes all go through `files` (a ConfinedDir): no symbolic link in any
 * component is followed, only regular files are read or written, and reads
 * are capped. The paths below are relative to the root, as `files` takes them.
 */
export interface DataDir {
  /** Absolute host path (the operator's choice, trusted; give its real path). */
  root: string;
  files: ConfinedDir;
  memoryFile: string;
  skillsDir: string;
  eventsDir: string;
  channel(channelId: string): ChannelDir;
}

/** One channel's part of the data dir; paths relative to the data dir root. */
export interface ChannelDir {
  channelId: string;
  files: ConfinedDir;
  /** The channel's directory (the channel id). */
  relative: string;
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

/** The layout of the data dir at `root` (an absolute, preferably real, path: it is trusted as given). */
export function dataDirLayout(root: string): DataDir {
  const files = new ConfinedDir(root, { label: "mom's data directory" });
  return {
    root,
    files,
    memoryFile: "MEMORY.md",
    skillsDir: "skills",
    eventsDir: "events",
    channel(channelId) {
      if (!isChannelId(channelId)) throw new Error(`not a Slack channel id: ${JSON.stringify(channelId)}`);
      return {
        channelId,
        files,
        relative: channelId,
        memoryFile: `${channelId}/MEMORY.md`,
        skillsDir: `${channelId}/skills`,
        logFile: `${channelId}/log.jsonl`,
        contextFile: `${channelId}/context.jsonl`,
        attachmentsDir: `${channelId}/attachments`,
        scratchDir: `${channelId}/scratch`,
      };
    },
  };
}

/** Creates the global directories (skills/, events/) of an existing data dir. */
export async function prepareDataDir(dir: DataDir): Promise<void> {
  await dir.files.mkdirp(dir.skillsDir);
  await dir.files.mkdirp(dir.eventsDir);
}

/** Creates a channel's directories (attachments/, scratch/, skills/). */
export async function prepareChannelDir(channel: ChannelDir): Promise<void> {
  await channel.files.mkdirp(channel.attachmentsDir);
  await channel.files.mkdirp(channel.scratchDir);
  await channel.files.mkdirp(channel.skillsDir);
}
