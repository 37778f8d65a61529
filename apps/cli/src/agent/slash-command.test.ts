import { describe, expect, it } from "vitest";
import { parseSlashCommand } from "./slash-command.js";

describe("parseSlashCommand", () => {
  it("leaves ordinary prompts alone", () => {
    expect(parseSlashCommand("list the files")).toBeUndefined();
    expect(parseSlashCommand("what is in /etc?")).toBeUndefined();
  });

  it("recognises /exit, /new, /model and /help with their aliases", () => {
    expect(parseSlashCommand("/exit")).toEqual({ type: "exit" });
    expect(parseSlashCommand("  /quit ")).toEqual({ type: "exit" });
    expect(parseSlashCommand("/new")).toEqual({ type: "new" });
    expect(parseSlashCommand("/model")).toEqual({ type: "model", model: undefined });
    expect(parseSlashCommand("/model  anthropic/claude-sonnet-4-5 ")).toEqual({ type: "model", model: "anthropic/claude-sonnet-4-5" });
    expect(parseSlashCommand("/HELP")).toEqual({ type: "help" });
    expect(parseSlashCommand("/frobnicate now")).toEqual({ type: "unknown", name: "/frobnicate" });
  });
});
