import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";

/** Reads a MEMORY.md, or returns "" when there is none. */
export async function readMemory(path: string): Promise<string> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
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
 * Lists the skills under `skillsDir`. A SKILL.md without frontmatter, or
 * whose frontmatter lacks `name` or `description`, is reported as a problem
 * and left out; a missing directory has no skills.
 */
export async function listSkills(
  skillsDir: string,
  relativeDir: string,
  scope: Skill["scope"],
): Promise<{ skills: Skill[]; problems: SkillProblem[] }> {
  const skills: Skill[] = [];
  const problems: SkillProblem[] = [];
  let entries: string[];
  try {
    entries = (await readdir(skillsDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return { skills, problems };
  }
  for (const dir of entries.sort()) {
    const path = `${relativeDir}/${dir}/SKILL.md`;
    let text: string;
    try {
      text = await readFile(join(skillsDir, dir, "SKILL.md"), "utf8");
    } catch {
      problems.push({ path, reason: "no SKILL.md in this skill directory" });
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
