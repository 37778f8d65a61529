import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfinedDir } from "@monoclaw/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listSkills, parseFrontmatter, readMemory } from "./memory-and-skills.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "mom-skills-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("memory and skills", () => {
  it("reads MEMORY.md or nothing", async () => {
    expect(await readMemory(new ConfinedDir(dir), "MEMORY.md")).toBe("");
    await writeFile(join(dir, "MEMORY.md"), "  likes tea\n");
    expect(await readMemory(new ConfinedDir(dir), "MEMORY.md")).toBe("likes tea");
  });

  it("lists skills with name and description and reports broken ones", async () => {
    await mkdir(join(dir, "skills", "deploy"), { recursive: true });
    await writeFile(join(dir, "skills", "deploy", "SKILL.md"), "---\nname: deploy\ndescription: Ship the site\n---\nSteps...\n");
    await mkdir(join(dir, "skills", "broken"), { recursive: true });
    await writeFile(join(dir, "skills", "broken", "SKILL.md"), "no frontmatter");
    await mkdir(join(dir, "skills", "empty"), { recursive: true });
    const { skills, problems } = await listSkills(new ConfinedDir(dir), "skills", "global");
    expect(skills).toEqual([{ name: "deploy", description: "Ship the site", path: "skills/deploy/SKILL.md", scope: "global" }]);
    expect(problems.map((p) => p.path)).toEqual(["skills/broken/SKILL.md", "skills/empty/SKILL.md"]);
    expect(parseFrontmatter("---\nname: x\n---\n")).toBe("the frontmatter has no 'description'");
    expect((await listSkills(new ConfinedDir(dir), "nothing", "channel")).skills).toEqual([]);
  });
});
