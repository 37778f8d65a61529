import {
  ConfinedPathError,
  createDefaultTools,
  runAgentTurn,
  type AgentEvent,
  type AgentModel,
  type ExecutionBackend,
  type Redactor,
  type ShellSession,
} from "@monoclaw/core";
import type { ModelMessage } from "ai";
import { ChannelContext } from "../store/channel-context.js";
import { prepareChannelDir, type DataDir } from "../store/data-dir.js";
import { listSkills, readMemory, type Skill } from "../store/memory-and-skills.js";
import { workspaceView, type SandboxKind, type WorkspaceView } from "../sandbox/workspace-view.js";
import { createAttachTool } from "./attach-tool.js";
import type { RunAgent, RunRequest } from "./run-request.js";
import { buildSystemPrompt } from "./system-prompt.js";

export interface MomAgentOptions {
  model: AgentModel;
  /** Where a channel's tools run: one backend for every channel, or one per channel (`docker-per-channel`). */
  backend: ExecutionBackend | ((channelId: string) => Promise<ExecutionBackend>);
  sandbox: SandboxKind;
  dataDir: DataDir;
  redactor: Redactor;
  /** Model calls per run (default core's 50). */
  maxSteps?: number;
}

/**
 * Builds the function the Slack side calls for each run: core's agent turn
 * with bash, read, write, edit and `attach`, mom's system prompt (memory,
 * skills, layout in the backend's own paths), the channel's stored context,
 * and one shell session per channel (working directory the channel's
 * `scratch/`, `cd` and `export` carry over between runs). With one backend
 * per channel, a run gets its own channel's backend and the prompt names the
 * paths as that channel's container sees them.
 *
 * After each turn the context is saved: appended, or replaced atomically
 * when the turn compacted it. In Docker mode destructive commands run
 * without asking (the container is the guard); on the host they are refused
 * (there is nobody to ask in Slack) and the model is told why.
 */
export function createMomAgent(options: MomAgentOptions): RunAgent & { dispose(): Promise<void> } {
  const sessions = new Map<string, Promise<ShellSession>>();
  const backendFor = async (channelId: string): Promise<ExecutionBackend> =>
    typeof options.backend === "function" ? options.backend(channelId) : options.backend;

  const sessionFor = (channelId: string, backend: ExecutionBackend, view: WorkspaceView) => (): Promise<ShellSession> => {
    let session = sessions.get(channelId);
    if (!session) {
      session = backend.openSession({ cwd: `${view.channelDir}/scratch` }).catch((error: unknown) => {
        sessions.delete(channelId);
        throw error;
      });
      sessions.set(channelId, session);
    }
    return session;
  };

  async function* run(request: RunRequest): AsyncIterable<AgentEvent> {
    const channel = options.dataDir.channel(request.channelId);
    const files = options.dataDir.files;
    const context = new ChannelContext(files, channel.contextFile);
    // A context.jsonl that is refused (a link made in the sandbox) starts the
    // conversation afresh and is replaced, never followed, at the end of the turn.
    let replaceContext = false;
    const loadContext = () =>
      context.load().catch((error: unknown) => {
        if (!(error instanceof ConfinedPathError)) throw error;
        replaceContext = true;
        return [] as ModelMessage[];
      });
    // A channel directory that cannot be prepared (e.g. scratch/ replaced by a
    // link in the sandbox) is refused, never followed, and does not stop the
    // run: the model is told, so it can repair it from inside the sandbox.
    const unprepared = await prepareChannelDir(channel).then(
      () => "",
      (error: unknown) => `\n\n[mom could not prepare ${channel.relative}/: ${(error as Error).message}]`,
    );
    let prepared: [ModelMessage[], string, string, { skills: Skill[] }, { skills: Skill[] }];
    try {
      prepared = await Promise.all([
        loadContext(),
        readMemory(files, options.dataDir.memoryFile),
        readMemory(files, channel.memoryFile).then((memory) => `${memory}${unprepared}`.trim()),
        listSkills(files, options.dataDir.skillsDir, "global"),
        listSkills(files, channel.skillsDir, "channel"),
      ]);
    } catch (error) {
      // Not a refusal (those are handled above) but an I/O error: say so instead of going silent.
      const message = `mom could not read this channel's data: ${(error as Error).message}`;
      yield { type: "error", kind: "internal", message };
      yield { type: "turn-end", reason: "error", text: "", messages: [] };
      return;
    }
    const [messages, globalMemory, channelMemory, globalSkills, channelSkills] = prepared;
    let backend: ExecutionBackend;
    try {
      backend = await backendFor(request.channelId);
    } catch (error) {
      yield { type: "error", kind: "internal", message: `this channel's sandbox cannot be used: ${(error as Error).message}` };
      yield { type: "turn-end", reason: "error", text: "", messages: [] };
      return;
    }
    const view = workspaceView(options.sandbox, backend.workspacePath, request.channelId);
    // Skills the channel's tools cannot see are not offered; the others are named in the tools' own paths.
    const toolSkill = (skill: Skill): Skill[] => {
      const path = view.toolPath(skill.path);
      return path === undefined ? [] : [{ ...skill, path }];
    };
    const system = buildSystemPrompt({
      channelId: request.channelId,
      view,
      globalMemory,
      channelMemory,
      skills: [...globalSkills.skills, ...channelSkills.skills].flatMap(toolSkill),
      now: new Date(),
    });
    const tools = [...createDefaultTools(), createAttachTool({ upload: (name, bytes, title) => request.upload(name, bytes, title) })];
    let compacted: ModelMessage[] | undefined;
    for await (const event of runAgentTurn({
      model: options.model,
      backend,
      tools,
      system,
      messages,
      prompt: request.prompt,
      signal: request.signal,
      session: sessionFor(request.channelId, backend, view),
      redactor: options.redactor,
      approvals: { mode: "ask", sandboxed: options.sandbox !== "host" },
      ...(options.maxSteps ? { maxSteps: options.maxSteps } : {}),
    })) {
      if (event.type === "compaction" && event.messages) compacted = event.messages;
      if (event.type === "turn-end") {
        try {
          if (compacted) await context.replace([...compacted, ...event.messages]);
          else if (replaceContext) await context.replace([{ role: "user", content: request.prompt }, ...event.messages]);
          else await context.append([{ role: "user", content: request.prompt }, ...event.messages]);
        } catch (error) {
          yield { type: "error", kind: "internal", message: `this turn was not saved to ${channel.contextFile}: ${(error as Error).message}` };
        }
      }
      yield event;
    }
  }

  return Object.assign(run, {
    async dispose(): Promise<void> {
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.all(all.map(async (s) => (await s.catch(() => undefined))?.close()));
    },
  });
}
