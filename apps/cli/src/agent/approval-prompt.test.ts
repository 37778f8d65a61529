import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { askApproval } from "./approval-prompt.js";
import { createTerminalStyle } from "./terminal-style.js";

const question = { command: "rm -rf /\u001b[2K", reason: "this command recursively deletes / , home or a system directory" };

function setup() {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = "";
  output.on("data", (chunk: Buffer) => (shown += chunk.toString()));
  return { input, output, shown: () => shown, style: createTerminalStyle(false) };
}

async function answerWith(typed: string | null): Promise<{ approved: boolean; shown: string }> {
  const { input, output, shown, style } = setup();
  const pending = askApproval(question, { input, output, style });
  if (typed === null) input.end();
  else input.write(typed);
  const approved = await pending;
  return { approved, shown: shown() };
}

describe("askApproval", () => {
  it("shows the command (sanitized) and why, then asks y/N", async () => {
    const { approved, shown } = await answerWith("y\n");
    expect(approved).toBe(true);
    expect(shown).toBe(
      "! Approval needed: this command recursively deletes / , home or a system directory\n    rm -rf /\nDetection is best effort: it cannot see into scripts, variables or eval.\nRun it? [y/N] ",
    );
  });

  it("leaves out the detection note when terminal.approvals is always (nothing was judged)", async () => {
    const { input, output, shown, style } = setup();
    const pending = askApproval({ command: "ls", reason: 'terminal.approvals is "always"' }, { input, output, style });
    input.write("n\n");
    await pending;
    expect(shown()).toBe('! Approval needed: terminal.approvals is "always"\n    ls\nRun it? [y/N] Refused.\n');
  });

  it.each([["yes\n"], ["Y\n"], [" YES \n"]])("accepts %j", async (typed) => {
    expect((await answerWith(typed)).approved).toBe(true);
  });

  it.each([["\n"], ["n\n"], ["no\n"], ["yep\n"], ["sure\n"]])("refuses %j", async (typed) => {
    const { approved, shown } = await answerWith(typed);
    expect(approved).toBe(false);
    expect(shown.endsWith("Refused.\n")).toBe(true);
  });

  it("refuses at end of input", async () => {
    expect((await answerWith(null)).approved).toBe(false);
  });

  it("refuses when the turn is aborted while asking, or was already aborted", async () => {
    const { input, output, style } = setup();
    const controller = new AbortController();
    const pending = askApproval(question, { input, output, style, signal: controller.signal });
    controller.abort();
    expect(await pending).toBe(false);
    expect(await askApproval(question, { input, output, style, signal: controller.signal })).toBe(false);
  });
});
