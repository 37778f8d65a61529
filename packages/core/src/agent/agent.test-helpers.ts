import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startModelServer, type ModelServer } from "@monoclaw/testkit";
import { afterEach, beforeEach } from "vitest";
import type { ExecutionBackend } from "../backend/execution-backend.js";
import { resolveModel, type ResolvedModel } from "../models/model-registry.js";
import type { AgentEvent } from "./agent-events.js";
import { createRealHostBackend } from "./real-backends.test-helpers.js";

export type WireFormat = "openai" | "anthropic";

/** The real AI SDK client for `format`, pointed at the scripted server. */
export function scriptedModel(format: WireFormat, server: ModelServer, options: { contextWindow?: number } = {}): ResolvedModel {
  const resolved =
    format === "openai"
      ? resolveModel({ model: "openai/gpt-4.1", env: { OPENAI_API_KEY: "sk-test-openai", OPENAI_BASE_URL: server.baseURL } })
      : resolveModel({ model: "anthropic/claude-sonnet-4-5", env: { ANTHROPIC_API_KEY: "sk-test-anthropic", ANTHROPIC_BASE_URL: server.url } });
  return options.contextWindow === undefined ? resolved : { ...resolved, contextWindow: options.contextWindow };
}

export async function collect(events: AsyncIterable<AgentEvent>): Promise<AgentEvent[]> {
  const all: AgentEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

export function ofType<T extends AgentEvent["type"]>(events: AgentEvent[], type: T): Array<Extract<AgentEvent, { type: T }>> {
  return events.filter((e): e is Extract<AgentEvent, { type: T }> => e.type === type);
}

export function turnEnd(events: AgentEvent[]): Extract<AgentEvent, { type: "turn-end" }> {
  const last = events.at(-1);
  if (last?.type !== "turn-end") throw new Error(`the last event is ${last?.type}, not turn-end`);
  return last;
}

/** A temporary directory and a real host backend working in it. */
export interface HostWorkspace {
  dir: string;
  backend: ExecutionBackend;
  cleanup: () => Promise<void>;
}

/** A temporary directory and a real host backend working in it. */
export async function hostWorkspace(): Promise<HostWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), "monoclaw-agent-test-"));
  const backend = await createRealHostBackend({ cwd: dir, timeoutMs: 60_000 });
  return {
    dir,
    backend,
    cleanup: async () => {
      await backend.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Registers vitest hooks that give each test of the file a fresh scripted
 * model server and host workspace, closed after it. Read `server` and
 * `workspace` from the returned object inside tests: they change per test.
 */
export function useServerAndWorkspace(): { readonly server: ModelServer; readonly workspace: HostWorkspace } {
  const current = {} as { server: ModelServer; workspace: HostWorkspace };
  beforeEach(async () => {
    current.server = await startModelServer();
    current.workspace = await hostWorkspace();
  });
  afterEach(async () => {
    await current.server.close();
    await current.workspace.cleanup();
  });
  return current;
}

/** Whether a process with this pid is alive (signal 0 probes without killing). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
