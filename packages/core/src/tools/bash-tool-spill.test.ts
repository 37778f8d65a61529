import { existsSync, readdirSync, statSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hostWorkspace } from "../agent/agent.test-helpers.js";
import { processSpillDirectory } from "../backend/spill-directory.js";
import { createBashTool } from "./bash-tool.js";
import { createToolOutputStore } from "./tool-output-store.js";
import { runTool } from "./tools.test-helpers.js";

let workspace: Awaited<ReturnType<typeof hostWorkspace>>;
beforeEach(async () => {
  workspace = await hostWorkspace();
});
afterEach(async () => {
  await workspace.cleanup();
});

/** Files directly in this process's spill directory (the backend's own spills), tool stores aside. */
const backendSpills = (): string[] =>
  existsSync(processSpillDirectory()) ? readdirSync(processSpillDirectory()).filter((name) => !name.startsWith("tools-")) : [];

describe("the bash tool's spill files", () => {
  it("keeps one copy of a long output, in its store, deleted with the store; says how much the model does not see", async () => {
    const store = createToolOutputStore();
    const before = backendSpills();
    const result = await runTool(createBashTool(), { command: "head -c 3000000 /dev/zero | tr '\\0' 'x'; echo; echo last" }, workspace.backend, {
      outputStore: store,
    });
    expect(result.output).toMatch(/bytes omitted\. Full output \(3000006 bytes\): .*tools-[0-9a-f]+\/bash-call_test/);
    expect(result.omittedBytes).toBeGreaterThan(2_900_000);
    expect(result.omittedBytes).toBeLessThan(3_000_006);
    const full = /Full output \(\d+ bytes\): (\S+) /.exec(result.output)![1]!;
    expect(statSync(full).size).toBe(3_000_006);
    // The backend wrote no second copy.
    expect(backendSpills()).toEqual(before);
    store.dispose();
    expect(existsSync(full)).toBe(false);
    expect(existsSync(store.directory)).toBe(false);
  });

  it("reports nothing left out for a short output (positive control)", async () => {
    const result = await runTool(createBashTool(), { command: "echo short" }, workspace.backend);
    expect(result.output).toBe("short");
    expect(result.omittedBytes).toBeUndefined();
  });
});
