import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hostWorkspace } from "../agent/agent.test-helpers.js";
import { createBashTool } from "./bash-tool.js";
import { createToolOutputStore, type ToolOutputStore } from "./tool-output-store.js";
import { runTool } from "./tools.test-helpers.js";

let workspace: Awaited<ReturnType<typeof hostWorkspace>>;
let store: ToolOutputStore;
beforeEach(async () => {
  workspace = await hostWorkspace();
  store = createToolOutputStore();
});
afterEach(async () => {
  store.dispose();
  await workspace.cleanup();
});

describe("bash tool", () => {
  it("reports a timeout to the model (not as an exception) and the session stays usable", async () => {
    const session = await workspace.backend.openSession();
    const bash = createBashTool();
    const result = await runTool(bash, { command: "echo begin; sleep 30", timeout: 0.5 }, workspace.backend, { session });
    expect(result).toMatchObject({ timedOut: true, exitCode: 124, isError: true });
    expect(result.output.startsWith("begin\n")).toBe(true);
    expect(result.output).toContain("[timed out after 0.5 s: the command and every process it started were ended");
    expect((await runTool(bash, { command: "echo after" }, workspace.backend, { session })).output).toBe("after");
    await session.close();
  });

  it("appends the backend's notices (hosts the egress proxy refused) to what the model gets", async () => {
    const real = await workspace.backend.openSession();
    const notice = "egress proxy: refused denied.test:443: not in terminal.docker.egress.allow";
    // The Docker backend adds notices like this one; here a real host session's result carries one.
    const session = { ...real, exec: async (...args: Parameters<typeof real.exec>) => ({ ...(await real.exec(...args)), notices: [notice] }) };
    const result = await runTool(createBashTool(), { command: "echo fetched" }, workspace.backend, { session });
    expect(result.output).toBe(`fetched\n[${notice}]`);
    expect(result.isError).toBe(false);
    await real.close();
  });

  it("cuts many short lines to head and tail by line count and saves the whole output", async () => {
    const bash = createBashTool({ limits: { maxLines: 20, maxBytes: 50 * 1024 } });
    const result = await runTool(bash, { command: "seq 1 100" }, workspace.backend, { outputStore: store });
    const path = /Full output \(100 lines, 292 bytes\): (\S+) \./.exec(result.output)?.[1];
    expect(path).toBeDefined();
    expect(store.has(path!)).toBe(true);
    expect(readFileSync(path!, "utf8").split("\n")).toHaveLength(101);
    expect(result.output.startsWith("1\n2\n")).toBe(true);
    expect(result.output.split("\n").filter((l) => /^\d+$/.test(l))).toHaveLength(20);
    expect(result.output.endsWith("99\n100")).toBe(true);
    expect(result.live).toBe(readFileSync(path!, "utf8"));
  });

  it("says when there is no output, and notes a restarted shell", async () => {
    const session = await workspace.backend.openSession();
    const bash = createBashTool();
    expect((await runTool(bash, { command: "true" }, workspace.backend, { session })).output).toBe("(no output)");
    const exited = await runTool(bash, { command: "cd /tmp; exit 4" }, workspace.backend, { session });
    expect(exited.output).toContain("[exit code 4]");
    expect(exited.output).toContain("[the shell was restarted");
    await session.close();
  });
});
