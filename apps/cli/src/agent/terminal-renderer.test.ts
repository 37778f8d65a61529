import type { AgentEvent } from "@monoclaw/core";
import { describe, expect, it } from "vitest";
import { createJsonRenderer } from "./json-renderer.js";
import { createTerminalRenderer } from "./terminal-renderer.js";

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, chunks, write: (text: string) => chunks.push(text), text: () => chunks.join("") };
}

const turn: AgentEvent[] = [
  { type: "turn-start", turnId: "t1" },
  { type: "text-delta", text: "Let me " },
  { type: "text-delta", text: "look." },
  { type: "tool-start", toolCallId: "c1", toolName: "bash", input: { command: "ls" }, title: "ls -la" },
  { type: "tool-output", toolCallId: "c1", stream: "stdout", text: "a.txt\nb." },
  { type: "tool-output", toolCallId: "c1", stream: "stdout", text: "txt\n" },
  { type: "tool-output", toolCallId: "c1", stream: "stderr", text: "warn\n" },
  { type: "tool-end", toolCallId: "c1", toolName: "bash", isError: false, output: "a.txt\nb.txt\n", durationMs: 1234, exitCode: 0 },
  { type: "tool-start", toolCallId: "c2", toolName: "bash", input: { command: "false" }, title: "false" },
  { type: "tool-end", toolCallId: "c2", toolName: "bash", isError: true, output: "", durationMs: 5, exitCode: 1 },
  { type: "tool-start", toolCallId: "c3", toolName: "read", input: { path: "x" }, title: "x" },
  { type: "tool-end", toolCallId: "c3", toolName: "read", isError: true, output: "ENOENT: no file x\nmore", durationMs: 2 },
  { type: "usage", inputTokens: 10, outputTokens: 5 },
  { type: "text-delta", text: "Two files." },
  { type: "turn-end", reason: "stop", text: "Two files.", messages: [] },
];

describe("createTerminalRenderer", () => {
  it("streams text and shows each tool call with live output, exit code and duration (no TTY: no colour, no spinner)", () => {
    const stdout = sink(false);
    const stderr = sink(false);
    const renderer = createTerminalRenderer({ stdout, stderr, env: {}, mode: "stream" });
    for (const event of turn) renderer.render(event);
    expect(stdout.text()).toBe(
      [
        "Let me look.",
        "● bash ls -la",
        "  │ a.txt",
        "  │ b.txt",
        "  │ warn",
        "  ✓ exit 0 · 1.2s",
        "● bash false",
        "  ✗ exit 1 · 5ms",
        "● read x",
        "  ✗ ENOENT: no file x · 2ms",
        "Two files.",
        "",
      ].join("\n"),
    );
    expect(stderr.text()).toBe("");
  });

  it("shows the summary of write and edit, and edit's diff in colour", () => {
    const stdout = sink(false);
    const renderer = createTerminalRenderer({ stdout, stderr: sink(false), env: {}, mode: "stream" });
    renderer.render({ type: "tool-start", toolCallId: "w", toolName: "write", input: {}, title: "a.txt" });
    renderer.render({ type: "tool-end", toolCallId: "w", toolName: "write", isError: false, output: "Created a.txt (3 bytes, 1 lines).", durationMs: 3 });
    renderer.render({ type: "tool-start", toolCallId: "e", toolName: "edit", input: {}, title: "a.txt" });
    const diff = "Edited a.txt (1 replaced).\n--- a.txt\n+++ a.txt\n@@ -1 +1 @@\n-hi\n+hello\n";
    renderer.render({ type: "tool-end", toolCallId: "e", toolName: "edit", isError: false, output: diff, durationMs: 4 });
    renderer.render({ type: "tool-start", toolCallId: "r", toolName: "read", input: {}, title: "a.txt" });
    renderer.render({ type: "tool-end", toolCallId: "r", toolName: "read", isError: false, output: "     1\thello", durationMs: 1 });
    expect(stdout.text()).toBe(
      [
        "● write a.txt",
        "  ✓ Created a.txt (3 bytes, 1 lines). · 3ms",
        "● edit a.txt",
        "  │ --- a.txt",
        "  │ +++ a.txt",
        "  │ @@ -1 +1 @@",
        "  │ -hi",
        "  │ +hello",
        "  ✓ Edited a.txt (1 replaced). · 4ms",
        "● read a.txt",
        "  ✓ 1ms",
        "",
      ].join("\n"),
    );
    const coloured = sink(true);
    const colourRenderer = createTerminalRenderer({ stdout: coloured, stderr: sink(true), env: { TERM: "xterm" }, mode: "stream" });
    colourRenderer.render({ type: "tool-start", toolCallId: "e", toolName: "edit", input: {}, title: "a.txt" });
    colourRenderer.render({ type: "tool-end", toolCallId: "e", toolName: "edit", isError: false, output: diff, durationMs: 4 });
    expect(coloured.text()).toContain("\u001b[31m-hi\u001b[39m");
    expect(coloured.text()).toContain("\u001b[32m+hello\u001b[39m");
  });

  it("writes text as each delta arrives, not at the end", () => {
    const stdout = sink(false);
    const renderer = createTerminalRenderer({ stdout, stderr: sink(false), env: {}, mode: "stream" });
    renderer.render({ type: "turn-start", turnId: "t" });
    renderer.render({ type: "text-delta", text: "Hel" });
    expect(stdout.text()).toBe("Hel");
    renderer.render({ type: "text-delta", text: "lo" });
    expect(stdout.text()).toBe("Hello");
  });

  it("in answer mode sends activity to stderr and only the final answer to stdout", () => {
    const stdout = sink(false);
    const stderr = sink(false);
    const renderer = createTerminalRenderer({ stdout, stderr, env: {}, mode: "answer" });
    for (const event of turn) renderer.render(event);
    expect(stdout.text()).toBe("Two files.\n");
    expect(stderr.text()).toContain("● bash ls -la\n  │ a.txt\n");
    expect(stderr.text()).toContain("Let me look.");
  });

  it("colours a TTY, shows a spinner while the model thinks and erases it before text", () => {
    const stdout = sink(true);
    const renderer = createTerminalRenderer({ stdout, stderr: sink(true), env: { TERM: "xterm" }, mode: "stream" });
    renderer.render({ type: "turn-start", turnId: "t" });
    expect(stdout.text()).toContain("thinking…");
    renderer.render({ type: "text-delta", text: "Hi" });
    expect(stdout.text()).toMatch(/thinking…[\s\S]*\r\u001b\[2KHi$/);
    renderer.render({ type: "tool-start", toolCallId: "c", toolName: "bash", input: {}, title: "ls" });
    renderer.render({ type: "tool-end", toolCallId: "c", toolName: "bash", isError: false, output: "", durationMs: 1, exitCode: 0 });
    expect(stdout.text()).toContain("\u001b[32m✓ exit 0 · 1ms\u001b[39m");
    renderer.render({ type: "turn-end", reason: "stop", text: "Hi", messages: [] });
    expect(stdout.text().endsWith("\r\u001b[2K")).toBe(true);
  });

  it("respects NO_COLOR on a TTY", () => {
    const stdout = sink(true);
    const renderer = createTerminalRenderer({ stdout, stderr: sink(true), env: { NO_COLOR: "1" }, mode: "stream" });
    renderer.render({ type: "tool-start", toolCallId: "c", toolName: "bash", input: {}, title: "ls" });
    renderer.render({ type: "tool-end", toolCallId: "c", toolName: "bash", isError: false, output: "", durationMs: 1, exitCode: 0 });
    expect(stdout.text()).not.toContain("\u001b[3");
    expect(stdout.text()).toContain("✓ exit 0 · 1ms");
  });

  it("strips terminal escapes from model text and tool output", () => {
    const stdout = sink(false);
    const renderer = createTerminalRenderer({ stdout, stderr: sink(false), env: {}, mode: "stream" });
    renderer.render({ type: "text-delta", text: "a\u001b]0;owned\u0007b\n" });
    renderer.render({ type: "tool-start", toolCallId: "c", toolName: "bash", input: {}, title: "cat x\u001b[2J" });
    renderer.render({ type: "tool-output", toolCallId: "c", stream: "stdout", text: "\u001b[2Jclean\n" });
    expect(stdout.text()).toBe("ab\n● bash cat x\n  │ clean\n");
  });

  it("reports timeouts, aborts, errors, retries and the step limit", () => {
    const stdout = sink(false);
    const stderr = sink(false);
    const renderer = createTerminalRenderer({ stdout, stderr, env: {}, mode: "stream" });
    renderer.render({ type: "tool-start", toolCallId: "c", toolName: "bash", input: {}, title: "sleep 9" });
    renderer.render({ type: "tool-end", toolCallId: "c", toolName: "bash", isError: true, output: "", durationMs: 3000, exitCode: 124, timedOut: true });
    renderer.render({ type: "tool-start", toolCallId: "d", toolName: "bash", input: {}, title: "sleep 9" });
    renderer.render({ type: "tool-end", toolCallId: "d", toolName: "bash", isError: true, output: "", durationMs: 500, exitCode: 130, aborted: true });
    renderer.render({ type: "retry", attempt: 2, delayMs: 1000, reason: "rate limited (429)" });
    renderer.render({ type: "error", kind: "model", message: "model unreachable" });
    renderer.render({ type: "turn-end", reason: "max-steps", text: "", messages: [] });
    expect(stdout.text()).toContain("  ✗ timed out after 3.0s\n");
    expect(stdout.text()).toContain("  ■ aborted after 500ms\n");
    expect(stderr.text()).toBe(
      "! rate limited (429); retrying in 1.0s (attempt 2)\n✗ model unreachable\n! Mona stopped at the step limit before finishing; ask her to continue.\n",
    );
  });

  it("ends an open text line before writing an error to the same terminal", () => {
    const out = sink(false);
    const renderer = createTerminalRenderer({ stdout: out, stderr: out, env: {}, mode: "stream" });
    renderer.render({ type: "text-delta", text: "partial" });
    renderer.render({ type: "error", kind: "aborted", message: "aborted" });
    expect(out.text()).toBe("partial\n■ aborted\n");
  });

  it("never throws when the terminal is gone", () => {
    const broken = {
      isTTY: false,
      write: () => {
        throw new Error("EPIPE");
      },
    };
    const renderer = createTerminalRenderer({ stdout: broken, stderr: broken, env: {}, mode: "stream" });
    expect(() => {
      for (const event of turn) renderer.render(event);
    }).not.toThrow();
  });
});

describe("createJsonRenderer", () => {
  it("writes one JSON event per line, as each event arrives", () => {
    const stdout = sink(false);
    const renderer = createJsonRenderer(stdout);
    renderer.render(turn[0]!);
    expect(stdout.chunks).toEqual(['{"type":"turn-start","turnId":"t1"}\n']);
    for (const event of turn.slice(1)) renderer.render(event);
    const lines = stdout.text().trimEnd().split("\n");
    expect(lines.map((line) => JSON.parse(line))).toEqual(turn);
  });

  it("leaves out the conversation snapshots meant for front-end state", () => {
    const stdout = sink(false);
    const renderer = createJsonRenderer(stdout);
    const history = [{ role: "user" as const, content: "x" }];
    renderer.render({ type: "compaction", summarizedMessages: 3, summary: "s", messages: history });
    renderer.render({ type: "turn-end", reason: "stop", text: "t", messages: [], conversation: history });
    expect(stdout.text()).toBe('{"type":"compaction","summarizedMessages":3,"summary":"s"}\n{"type":"turn-end","reason":"stop","text":"t","messages":[]}\n');
  });
});
