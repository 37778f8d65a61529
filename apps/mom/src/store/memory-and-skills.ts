import { ConfinedPathError, isNotFoundError, type ConfinedDir } from "@monoclaw/core";
import { parse as parseYaml } from "yaml";

/** Largest part of a MEMORY.md given to the model (it goes into every system prompt). */
export const MEMORY_MAX_BYTES = 256 * 1024;
/** Largest part of a SKILL.md read for its frontmatter. */
export const SKILL_MAX_BYTES = 64 * 1024;
/** Most skills listed per skills directory (each costs a file read and a line in every prompt). */
export const MAX_SKILLS_PER_DIR = 200;

/**
 * Reads a MEMORY.md (`path` relative to `files`' root): "" when there is
 * none; its first {@link MEMORY_MAX_BYTES} with a note saying it was cut
 * when larger. A refused file (a link made in the sandbox, a FIFO, a device)
 * is not read: the model is told why instead, so the run goes on.
 */
export async function readMemory(files: ConfinedDir, path: string): Promise<string> {
  try {
    const read = await files.readFile(path, { maxBytes: MEMORY_MAX_BYTES });
    const text = read.bytes.toString("utf8").trim();
    if (!read.truncated) return text;
    return `${text}\n\n[${path} is ${read.size} bytes; only its first ${MEMORY_MAX_BYTES} bytes were read. Shorten it: keep what matters.]`;
  } catch (error) {
    if (isNotFoundError(error)) return "";
    if (error instanceof ConfinedPathError) {
      const fix = error.reason === "permission-denied" ? "" : " Replace it with a regular file.";
      return `[${path} was not read: ${error.message}.${fix}]`;
    }
    throw error;
  }
}

/** A skill the prompt lists: `skills/<dir>/SKILL.md` with `name` and `description` in its frontmatter. */
export interface Skill {
  name: string;
  description: string;
  /** Path of SKILL.md relative to the data dir (`skills/x/SKILL.md`, `C123/skills/x/SKILL.md`). */
  path: string;
  scope: "global" | "channel";
}

/** A SKILL.md that could not be listed, and why (shown in the log, never fatal). */
export interface SkillProblem {
  path: string;
  reason: string;
}

/**
 * Lists the skills under `skillsDir` (relative to `files`' root). A SKILL.md
 * without frontmatter, or whose frontmatter lacks `name` or `description`,
 * is reported as a problem and left out, and so is one behind a link (the
 * skills directory, the skill's directory or SKILL.md itself); a missing
 * directory has no skills.
 */
export async function listSkills(files: ConfinedDir, skillsDir: string, scope: Skill["scope"]): Promise<{ skills: Skill[]; problems: SkillProblem[] }> {
  const skills: Skill[] = [];
  const problems: SkillProblem[] = [];
  let entries: string[];
  try {
    const listed = await files.readdir(skillsDir);
    for (const entry of listed) {
      if (entry.kind === "symlink")
        problems.push({ path: `${skillsDir}/${entry.name}`, reason: "a symbolic link; links are not followed in mom's data directory" });
    }
    entries = listed.filter((e) => e.kind === "directory").map((e) => e.name);
  } catch (error) {
    if (error instanceof ConfinedPathError) problems.push({ path: skillsDir, reason: error.message });
    return { skills, problems };
  }
  if (entries.length > MAX_SKILLS_PER_DIR) {
    problems.push({ path: skillsDir, reason: `${entries.length} skill directories; only the first ${MAX_SKILLS_PER_DIR} (by name) are listed` });
  }
  for (const dir of entries.sort().slice(0, MAX_SKILLS_PER_DIR)) {
    const path = `${skillsDir}/${dir}/SKILL.md`;
    let text: string;
    try {
      text = (await files.readFile(path, { maxBytes: SKILL_MAX_BYTES })).bytes.toString("utf8");
    } catch (error) {
      problems.push({ path, reason: error instanceof ConfinedPathError ? error.message : "no SKILL.md in this skill directory" });
      continue;
    }
    const parsed = parseFrontmatter(text);
    if (typeof parsed === "string") {
      problems.push({ path, reason: parsed });
      continue;
    }
    skills.push({ name: parsed.name, description: parsed.description, path, scope });
  }
  return { skills, problems };
}

/** Reads `name` and `description` from a `---` delimited YAML frontmatter; returns the reason when it cannot. */
export function parseFrontmatter(text: string): { name: string; description: string } | string {
  const match = /^---\r?\n([\s\S]*?)\r?\n---(?:\r?\n|$)/.exec(text);
  if (!match) return "SKILL.md must start with a '---' frontmatter block holding name and description";
  let data: unknown;
  try {
    data = parseYaml(match[1] ?? "");
  } catch (error) {
    return `invalid YAML in the frontmatter: ${(error as Error).message.split("\n")[0]}`;
  }
  const record = (data ?? {}) as Record<string, unknown>;
  const name = typeof record.name === "string" ? record.name.trim() : "";
  const description = typeof record.description === "string" ? record.description.trim() : "";
  if (!name) return "the frontmatter has no 'name'";
  if (!description) return "the frontmatter has no 'description'";
  return { name, description };
}
