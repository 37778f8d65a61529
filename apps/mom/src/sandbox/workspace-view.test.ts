import { describe, expect, it } from "vitest";
import { workspaceView } from "./workspace-view.js";

describe("workspaceView", () => {
  it("shows the whole data directory in host and docker modes", () => {
    const view = workspaceView("docker", "/workspace", "C1");
    expect(view.channelDir).toBe("/workspace/C1");
    expect(view.toolPath("C1/attachments/1_a.csv")).toBe("/workspace/C1/attachments/1_a.csv");
    expect(view.toolPath("skills/s/SKILL.md")).toBe("/workspace/skills/s/SKILL.md");
    expect(view.globalMemoryFile).toBe("/workspace/MEMORY.md");
    expect(workspaceView("host", "/data/", "D1").toolPath("D1/log.jsonl")).toBe("/data/D1/log.jsonl");
  });

  it("per channel, shows only the channel's own directory and the shared skills", () => {
    const view = workspaceView("docker-per-channel", "/workspace", "C1");
    expect(view.channelDir).toBe("/workspace");
    expect(view.eventsDir).toBe("/workspace/events");
    expect(view.toolPath("C1/attachments/1_a.csv")).toBe("/workspace/attachments/1_a.csv");
    expect(view.toolPath("skills/s/SKILL.md")).toBe("/skills/s/SKILL.md");
    expect(view.globalMemoryFile).toBeUndefined();
  });

  it("per channel, names no path of another channel, nor one that climbs out of its own", () => {
    const view = workspaceView("docker-per-channel", "/workspace", "C1");
    expect(view.toolPath("D2/log.jsonl")).toBeUndefined();
    expect(view.toolPath("C1/../D2/log.jsonl")).toBeUndefined();
    expect(view.toolPath("MEMORY.md")).toBeUndefined();
    expect(view.toolPath("events/x.json")).toBeUndefined();
  });
});
