import { spawn } from "node:child_process";
import { rssGrowthBound, samplePeakRss, startModelServer, step, type ModelServer } from "@monoclaw/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN } from "../cli.test-helpers.js";
import { createAgentTestHome, type AgentTestHome } from "./cli-process.test-helpers.js";

// `monoclaw run --json` as users run it (the built bin, the real AI SDK
// against the scripted model server, the host backend) with its stdout piped
// into a reader that stalls: memory stays bounded and the JSON lines arrive whole.

/** The stated bound: peak memory of `monoclaw run --json` above an idle run, whatever the reader does. */
const MAX_GROWTH_BYTES = rssGrowthBound();

/**
 * A reader that stalls `stallMs`, then reads everything and prints what it
 * got: line count, lines that are not JSON, event types, live output characters.
 */
const jsonLinesReader = (stallMs: number) => `
setTimeout(() => {
  let rest = "";
  const summary = { lines: 0, invalid: 0, types: {}, liveChars: 0, toolResultChars: 0 };
  const take = (line) => {
    summary.lines += 1;
    try {
      const event = JSON.parse(line);
      summary.types[event.type] = (summary.types[event.type] ?? 0) + 1;
      if (event.type === "tool-output") summary.liveChars += event.text.length;
      if (event.type === "tool-end") summary.toolResultChars += event.output.length;
    } catch {
      summary.invalid += 1;
    }
  };
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => {
    const lines = (rest + chunk).split("\\n");
    rest = lines.pop();
    for (const line of lines) take(line);
  });
  process.stdin.on("end", () => {
    if (rest !== "") take(rest);
    process.stdout.write(JSON.stringify(summary));
  });
}, ${stallMs});
`;

interface ReaderSummary {
  lines: number;
  invalid: number;
  types: Record<string, number>;
  liveChars: number;
  toolResultChars: number;
}

let server: ModelServer;
let home: AgentTestHome;
beforeEach(async () => {
  server = await startModelServer();
  home = createAgentTestHome({ baseURL: server.baseURL });
});
afterEach(async () => {
  await server.close();
  home.remove();
});

/** Runs `monoclaw run --json <prompt>` into the reader, sampling the CLI's peak RSS until it exits. */
async function runJsonInto(prompt: string, stallMs: number): Promise<{ code: number | null; peak: number; summary: ReaderSummary; stderr: string }> {
  const reader = spawn(process.execPath, ["-e", jsonLinesReader(stallMs)], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  reader.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const readerExited = new Promise((resolve) => reader.once("exit", resolve));
  const cli = spawn(process.execPath, [BIN, "run", "--json", prompt], { env: home.env, cwd: home.root, stdio: ["ignore", reader.stdin, "pipe"] });
  // Only the reader holds the pipe's read end, only the CLI its write end.
  reader.stdin.destroy();
  let stderr = "";
  cli.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const sampler = samplePeakRss(cli.pid!);
  const code = await new Promise<number | null>((resolve) => cli.once("exit", resolve));
  const peak = sampler.stop();
  await readerExited;
  return { code, peak, summary: JSON.parse(out) as ReaderSummary, stderr };
}

describe("monoclaw run --json under a slow reader", () => {
  it("stays within the stated bound (64 MiB on Node 20, 128 MiB from Node 22) of an idle run while a command prints 1 GiB and the reader stalls 5 s, and every line arrives as valid JSON", async () => {
    server.enqueue(step.toolCall("bash", { command: "sleep 1" }), step.text("Idle."));
    const idle = await runJsonInto("idle", 0);
    expect(idle.code, idle.stderr).toBe(0);
    expect(idle.peak).toBeGreaterThan(0);

    server.enqueue(step.toolCall("bash", { command: "yes | head -c 1G" }), step.text("Printed a gigabyte."));
    const flood = await runJsonInto("flood", 5000);
    expect(flood.code, flood.stderr).toBe(0);
    expect(flood.summary.invalid).toBe(0);
    expect(flood.summary.types).toMatchObject({ session: 1, "turn-start": 1, "tool-start": 1, "tool-end": 1, "turn-end": 1 });
    expect(flood.summary.types["tool-output"]).toBeGreaterThan(0);
    expect(flood.summary.liveChars).toBeGreaterThan(1000); // positive control: the command's output did stream through the stalled pipe
    expect(flood.summary.toolResultChars).toBeGreaterThan(0);
    // The model saw the command finish: the whole gigabyte went through the backend.
    expect(server.requests[3]?.toolResults.at(-1)?.content).toContain("y\ny\n");
    expect(flood.peak - idle.peak).toBeLessThan(MAX_GROWTH_BYTES);
  }, 240_000);
});
