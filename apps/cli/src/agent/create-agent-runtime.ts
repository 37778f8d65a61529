import {
  buildSystemPrompt,
  createAgent,
  createConfiguredBackend,
  createRedactor,
  gatherPromptContext,
  isSandboxedStatus,
  type Agent,
  type BackendFactory,
  type ExecutionBackend,
  type MonoclawConfig,
} from "@monoclaw/core";
import type { AgentRuntime, AskApproval } from "./agent-runtime.js";
import { CliError } from "../cli-error.js";
import { checkModel } from "./model-check.js";

export interface CreateAgentRuntimeOptions {
  config: MonoclawConfig;
  factories: readonly BackendFactory[];
  /** `provider/model-id` to use. */
  model: string;
  /** `--backend`: overrides `terminal.backend`. */
  backend?: string;
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Whether a person can answer approval questions (each turn then passes its
   * `ask`). Without one, a command that needs approval is refused and the
   * model is told that no one can approve commands here.
   */
  interactiveApprovals: boolean;
  /** Progress and warnings from the backend (image pulls, recreated containers). */
  log: (message: string) => void;
  /** The agent session this runtime serves: a backend scoped per session keys its container on it. */
  session?: { id: string; resumed: boolean };
}

/**
 * Wires the agent (`createAgent` from core) to the configured model and
 * backend for one CLI process.
 *
 * The model is checked first (key present, server reachable), so a setup
 * problem is reported before the backend starts anything; then the backend's
 * status (a Docker engine that is down is an error here, exit 1, never a
 * silent fallback to the host). The system prompt
 * is built once, from the backend's status and AGENTS.md (in the backend's
 * workspace, else in `terminal.cwd`). The agent keeps one
 * shell session and the full-output files across turns. Secret environment
 * variables and every configured API key are redacted from tool output.
 * Approvals follow `terminal.approvals`, and the backend's own status says
 * whether it is sandboxed (Docker without writable host mounts).
 */
export async function createAgentRuntime(options: CreateAgentRuntimeOptions): Promise<AgentRuntime> {
  const { config, env } = options;
  let modelSpec = options.model;
  let resolved = await checkModel(modelSpec, config, env);
  let ask: AskApproval | undefined;
  let { agent, backend } = await connect(options.session).catch(async (error: unknown) => {
    await releaseFactories();
    throw error;
  });
  let disposed = false;

  /** The backend and the agent for one session: a backend scoped per session gets a container of its own. */
  async function connect(session: CreateAgentRuntimeOptions["session"]): Promise<{ agent: Agent; backend: ExecutionBackend }> {
    const backend = createConfiguredBackend(config, options.factories, {
      ...(options.backend === undefined ? {} : { backend: options.backend }),
      env,
      log: options.log,
      ...(session ? { session } : {}),
    });
    try {
      const status = await backend.status();
      if (!status.available) {
        throw new CliError(`The ${backend.name} backend cannot run commands: ${status.summary}. Run \`monoclaw doctor\` for the fix.`);
      }
      const agent = createAgent({
        model: resolved,
        backend,
        // Where commands run (backend, OS, workdir, mounts), today's date, and AGENTS.md when there is one.
        system: buildSystemPrompt(await gatherPromptContext({ backend, hostCwd: config.terminal.cwd })),
        redactor: createRedactor({
          env,
          secrets: [
            { label: resolved.apiKeySource ?? "model API key", value: resolved.apiKey },
            ...Object.entries(config.providers).map(([name, provider]) => ({ label: `providers.${name}.api_key`, value: provider.api_key })),
          ],
        }),
        approvals: { mode: config.terminal.approvals, sandboxed: isSandboxedStatus(status) },
        ...(options.interactiveApprovals ? { approve: (request) => (ask === undefined ? Promise.resolve(false) : ask(request)) } : {}),
      });
      return { agent, backend };
    } catch (error) {
      // The backend may already hold a container or a shell: release it before reporting.
      await backend.dispose();
      throw error;
    }
  }

  /** What a factory keeps for the process (the Docker factory's warm pool members): let go once no session remains. */
  async function releaseFactories(): Promise<void> {
    await Promise.all(options.factories.map((factory) => factory.release?.().catch((error: unknown) => options.log(`warning: ${(error as Error).message}`))));
  }

  return {
    get model() {
      return modelSpec;
    },
    backend: backend.name,
    where: `${backend.name} backend, working in ${backend.workspacePath}`,
    async setModel(model) {
      resolved = await checkModel(model, config, env);
      agent.setModel(resolved);
      modelSpec = model;
    },
    async *runTurn(input) {
      agent.setMessages(input.messages);
      ask = input.ask;
      try {
        yield* agent.run(input.prompt, { signal: input.signal });
      } finally {
        ask = undefined;
      }
    },
    async newSession(session) {
      await agent.dispose();
      await backend.dispose();
      ({ agent, backend } = await connect(session));
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await agent.dispose();
      await backend.dispose();
      await releaseFactories();
    },
  };
}
