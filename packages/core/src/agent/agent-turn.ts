import { randomUUID } from "node:crypto";
import { streamText, type ModelMessage, type ToolResultPart, type ToolSet, type UserContent } from "ai";
import { isBackendError } from "../backend/backend-error.js";
import type { ExecutionBackend, ShellSession } from "../backend/execution-backend.js";
import { decideApproval, type ApprovalPolicy, type ApproveFunction } from "../safety/approval-policy.js";
import { createRedactor, type Redactor } from "../safety/secret-redactor.js";
import { ToolError, type AgentTool, type ToolContext, type ToolResult } from "../tools/agent-tool.js";
import { createDefaultTools } from "../tools/default-tools.js";
import { createToolOutputStore, type ToolOutputStore } from "../tools/tool-output-store.js";
import type { AgentEvent } from "./agent-events.js";
import type { AgentModel } from "./agent-model.js";
import {
  DEFAULT_COMPACTION,
  SUMMARY_SYSTEM_PROMPT,
  compactedConversation,
  estimateTokens,
  splitForCompaction,
  transcriptOf,
  type CompactionOptions,
} from "./compaction.js";
import { EventChannel } from "./event-channel.js";
import { DEFAULT_MODEL_IDLE_TIMEOUT_MS, ModelStallError, createStallGuard } from "./stall-guard.js";
import { sdkTool } from "./sdk-tools.js";
import { capOutput, describeInvalidCall, resultPart, type ToolCallPart } from "./tool-call-part.js";
import { DEFAULT_RETRY, describeModelError, retryDelayMs, retryReason, sleep, type RetryOptions } from "./model-retry.js";
import { DEFAULT_CONTEXT_WINDOW } from "../models/model-capabilities.js";

/** Default cap on live output events per tool call, in characters. */
export const DEFAULT_LIVE_OUTPUT_LIMIT = 4 * 1024 * 1024;

/** Default cap on model calls in one turn. */
export const DEFAULT_MAX_STEPS = 50;

export interface AgentTurnOptions {
  model: AgentModel;
  backend: ExecutionBackend;
  /** Default: `createDefaultTools()` (bash, read, write, edit). */
  tools?: AgentTool[];
  system?: string;
  /** The conversation so far (not changed; the turn's additions come back in `turn-end`). */
  messages?: ModelMessage[];
  /** The person's new message. */
  prompt: string | UserContent;
  /** Aborting ends the model call or the running command and ends the turn with reason `aborted`. */
  signal?: AbortSignal;
  /**
   * The shell session bash uses. Give one that lives across turns so `cd`
   * and `export` carry over; without it the turn opens its own on first use
   * and closes it at the end.
   */
  session?: () => Promise<ShellSession>;
  /** Where full outputs of long commands go; without it the turn makes one and deletes it at the end. */
  outputStore?: ToolOutputStore;
  /** Default: secret variables of `process.env` plus the model's API key. */
  redactor?: Redactor;
  /** Default `{ mode: "ask", sandboxed: false }`. */
  approvals?: ApprovalPolicy;
  /** Asks the person; without it, commands needing approval are refused (told to the model), never run. */
  approve?: ApproveFunction;
  /** Model calls per turn (default 50); reaching it ends the turn with reason `max-steps`. */
  maxSteps?: number;
  retry?: RetryOptions;
  /** `false` turns compaction off. */
  compaction?: CompactionOptions | false;
  /**
   * Live output sent as `tool-output` events per tool call (default 4 MiB of
   * text). Past it one note says the rest is not shown live, so a flood of
   * output cannot pile up in memory ahead of a slow renderer; the model still
   * gets head and tail and the full output file.
   */
  liveOutputLimit?: number;
  /**
   * A model call that sends nothing for this long (first byte included) is
   * abandoned and retried like a network error (default 5 minutes).
   */
  modelIdleTimeoutMs?: number;
  turnId?: string;
}

/** The default tools are stateless: one set serves every turn (and keeps its JSON schemas computed). */
let defaultTools: AgentTool[] | undefined;

/** Marks an abort travelling up the stack; never escapes this module. */
class TurnAborted extends Error {}

type StepOutcome = { kind: "done"; text: string; calls: ToolCallPart[]; assistant: ModelMessage[] } | { kind: "aborted"; text: string };

/**
 * Runs one turn of the agent: the prompt goes to the model, its tool calls
 * run on the backend, their results go back, until the model answers
 * without calling a tool or `maxSteps` model calls were made.
 *
 * The returned stream never throws. Every failure is an event: a model
 * failure (after retries on 429, 5xx and network errors, honouring
 * `retry-after`) is `error` (kind `model`) then `turn-end` with reason
 * `error`; an abort is `error` (kind `aborted`) then `turn-end` with reason
 * `aborted`, after the running command was ended through the backend.
 * Malformed tool arguments, unknown tools and failing tools are reported to
 * the model as tool errors and the turn goes on. The last event is always
 * exactly one `turn-end`. The turn starts at once; a consumer that stops
 * iterating early aborts it.
 */
export function runAgentTurn(options: AgentTurnOptions): AsyncIterable<AgentEvent> {
  const controller = new AbortController();
  const signal = options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal]);
  const channel = new EventChannel<AgentEvent>(() => controller.abort());
  void new AgentTurn(options, signal, channel).run().finally(() => channel.end());
  return channel;
}

class AgentTurn {
  private readonly tools: Map<string, AgentTool>;
  private readonly toolSet: ToolSet;
  private readonly redactor: Redactor;
  private readonly outputStore: ToolOutputStore;
  private readonly retry: Required<RetryOptions>;
  private readonly contextWindow: number;
  private conversation: ModelMessage[];
  private added: ModelMessage[] = [];
  private ownSession: Promise<ShellSession> | undefined;
  /** Prompt + output tokens of the last model call, and the conversation length it covered. */
  private measured: { tokens: number; messages: number } | undefined;
  /** Text of the model call in progress, kept when the call fails after showing it. */
  private streamed = "";

  constructor(
    private readonly options: AgentTurnOptions,
    private readonly signal: AbortSignal,
    private readonly out: EventChannel<AgentEvent>,
  ) {
    const tools = options.tools ?? (defaultTools ??= createDefaultTools());
    this.tools = new Map(tools.map((t) => [t.name, t]));
    this.toolSet = Object.fromEntries(tools.map((t) => [t.name, sdkTool(t)]));
    this.redactor = options.redactor ?? createRedactor({ env: process.env, secrets: [{ label: "model API key", value: options.model.apiKey }] });
    this.outputStore = options.outputStore ?? createToolOutputStore();
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.contextWindow = options.model.contextWindow ?? DEFAULT_CONTEXT_WINDOW;
    const prompt: ModelMessage = { role: "user", content: options.prompt };
    this.conversation = [...(options.messages ?? []), prompt];
  }

  async run(): Promise<void> {
    this.out.push({ type: "turn-start", turnId: this.options.turnId ?? randomUUID() });
    let text = "";
    try {
      const maxSteps = this.options.maxSteps ?? DEFAULT_MAX_STEPS;
      for (let step = 0; step < maxSteps; step += 1) {
        if (this.signal.aborted) throw new TurnAborted();
        await this.compactIfNeeded();
        const outcome = await this.modelStep();
        text = outcome.text;
        if (outcome.kind === "aborted") {
          if (outcome.text !== "") this.append({ role: "assistant", content: outcome.text });
          throw new TurnAborted();
        }
        for (const message of outcome.assistant) this.append(message);
        this.measured = this.measured === undefined ? undefined : { ...this.measured, messages: this.conversation.length };
        if (outcome.calls.length === 0) return this.end("stop", text);
        await this.runToolCalls(outcome.calls);
        if (this.signal.aborted) throw new TurnAborted();
      }
      return this.end("max-steps", text);
    } catch (error) {
      if (error instanceof TurnAborted || this.signal.aborted) {
        this.out.push({ type: "error", kind: "aborted", message: "Aborted by the user." });
        return this.end("aborted", text);
      }
      if (this.streamed !== "") {
        // The person saw this text: keep it in the conversation.
        this.append({ role: "assistant", content: this.streamed });
        text = this.streamed;
      }
      const isModel = retryReason(error) !== undefined || (error as { name?: string } | undefined)?.name?.startsWith("AI_") === true;
      this.out.push({
        type: "error",
        kind: isModel ? "model" : "internal",
        message: isModel ? describeModelError(error) : `Internal error: ${error instanceof Error ? error.message : String(error)}`,
      });
      return this.end("error", text);
    } finally {
      if (this.ownSession !== undefined) await this.ownSession.then((s) => s.close()).catch(() => undefined);
      if (this.options.outputStore === undefined) this.outputStore.dispose();
    }
  }

  private append(message: ModelMessage): void {
    this.conversation.push(message);
    this.added.push(message);
  }

  private end(reason: "stop" | "max-steps" | "aborted" | "error", text: string): void {
    this.out.push({ type: "turn-end", reason, text, messages: this.added, conversation: this.conversation });
  }

  /** Runs `call` and retries it on retryable errors until something visible was emitted. */
  private async withRetries<T>(call: (markVisible: () => void) => Promise<T>): Promise<T> {
    let visible = false;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await call(() => (visible = true));
      } catch (error) {
        if (error instanceof TurnAborted || this.signal.aborted) throw new TurnAborted();
        const reason = retryReason(error);
        if (reason === undefined || visible || attempt > this.retry.maxRetries) throw error;
        const delayMs = retryDelayMs(error, attempt, this.retry);
        this.out.push({ type: "retry", attempt, delayMs, reason });
        if (!(await sleep(delayMs, this.signal))) throw new TurnAborted();
      }
    }
  }

  private emitUsage(usage: { inputTokens?: number | undefined; outputTokens?: number | undefined } | undefined): void {
    const inputTokens = usage?.inputTokens ?? 0;
    const outputTokens = usage?.outputTokens ?? 0;
    this.out.push({ type: "usage", inputTokens, outputTokens });
  }

  private modelStep(): Promise<StepOutcome> {
    return this.withRetries(async (markVisible) => {
      const guard = createStallGuard(this.signal, this.options.modelIdleTimeoutMs ?? DEFAULT_MODEL_IDLE_TIMEOUT_MS);
      const result = streamText({
        model: this.options.model.model,
        ...(this.options.system === undefined ? {} : { system: this.options.system }),
        messages: this.conversation,
        tools: this.toolSet,
        maxRetries: 0,
        abortSignal: guard.signal,
        onError: () => undefined,
      });
      let text = "";
      this.streamed = "";
      const calls: ToolCallPart[] = [];
      try {
        for await (const part of result.fullStream) {
          guard.touch();
          if (part.type === "text-delta") {
            if (part.text === "") continue;
            text += part.text;
            this.streamed = text;
            markVisible();
            this.out.push({ type: "text-delta", text: part.text });
          } else if (part.type === "tool-call") {
            calls.push(part as ToolCallPart);
          } else if (part.type === "finish-step") {
            this.emitUsage(part.usage);
            const tokens = (part.usage.inputTokens ?? 0) + (part.usage.outputTokens ?? 0);
            this.measured = tokens > 0 ? { tokens, messages: this.conversation.length } : undefined;
          } else if (part.type === "error") {
            throw part.error;
          } else if (part.type === "abort") {
            break;
          }
        }
      } catch (error) {
        if (!guard.stalled && !this.signal.aborted) throw error;
      } finally {
        guard.dispose();
      }
      if (this.signal.aborted) return { kind: "aborted", text };
      if (guard.stalled) throw new ModelStallError(this.options.modelIdleTimeoutMs ?? DEFAULT_MODEL_IDLE_TIMEOUT_MS);
      const response = await result.response;
      this.streamed = "";
      return { kind: "done", text, calls, assistant: response.messages.filter((m) => m.role === "assistant") };
    });
  }

  private async compactIfNeeded(): Promise<void> {
    if (this.options.compaction === false) return;
    const settings = { ...DEFAULT_COMPACTION, ...this.options.compaction };
    const estimate =
      this.measured === undefined
        ? estimateTokens(this.conversation) + Math.ceil((this.options.system?.length ?? 0) / 4)
        : this.measured.tokens + estimateTokens(this.conversation.slice(this.measured.messages));
    if (estimate <= this.contextWindow * settings.threshold) return;
    const split = splitForCompaction(this.conversation, this.contextWindow * settings.keepRecent);
    if (split === undefined) return;
    let summary: string;
    try {
      summary = await this.withRetries(async () => {
        const idleMs = this.options.modelIdleTimeoutMs ?? DEFAULT_MODEL_IDLE_TIMEOUT_MS;
        const guard = createStallGuard(this.signal, idleMs);
        const result = streamText({
          model: this.options.model.model,
          system: SUMMARY_SYSTEM_PROMPT,
          messages: [{ role: "user", content: `${transcriptOf(split.older)}\n\nSummarise the conversation above.` }],
          maxRetries: 0,
          abortSignal: guard.signal,
          onError: () => undefined,
        });
        let text = "";
        try {
          for await (const part of result.fullStream) {
            guard.touch();
            if (part.type === "text-delta") text += part.text;
            else if (part.type === "finish-step") this.emitUsage(part.usage);
            else if (part.type === "error") throw part.error;
            else if (part.type === "abort") break;
          }
        } catch (error) {
          if (!guard.stalled && !this.signal.aborted) throw error;
        } finally {
          guard.dispose();
        }
        if (this.signal.aborted) throw new TurnAborted();
        if (guard.stalled) throw new ModelStallError(idleMs);
        return text;
      });
    } catch (error) {
      if (error instanceof TurnAborted || this.signal.aborted) throw new TurnAborted();
      this.out.push({
        type: "error",
        kind: "model",
        message: `Could not summarise older messages (${describeModelError(error)}); going on with the full conversation.`,
      });
      return;
    }
    this.conversation = compactedConversation(summary, split.kept);
    this.added = [];
    this.measured = undefined;
    this.out.push({ type: "compaction", summarizedMessages: split.older.length, summary, messages: [...this.conversation] });
  }

  private async runToolCalls(calls: ToolCallPart[]): Promise<void> {
    const results: ToolResultPart[] = [];
    const images: UserContent = [];
    for (const call of calls) {
      if (this.signal.aborted) {
        results.push(resultPart(call, { output: "Not run: the user aborted the turn.", isError: true }));
        continue;
      }
      const result = await this.runToolCall(call);
      const withImages = (result.images?.length ?? 0) > 0 && this.options.model.vision === true;
      if (withImages && this.options.model.kind === "anthropic") {
        results.push({
          type: "tool-result",
          toolCallId: call.toolCallId,
          toolName: call.toolName,
          output: {
            type: "content",
            value: [
              { type: "text", text: result.output },
              ...result.images!.map((image) => ({ type: "image-data" as const, data: Buffer.from(image.data).toString("base64"), mediaType: image.mediaType })),
            ],
          },
        });
      } else {
        results.push(resultPart(call, result));
        if (withImages) {
          images.push({ type: "text", text: `Image(s) from ${call.toolName} call ${call.toolCallId}:` });
          // Base64, not bytes: the conversation stays JSON-safe for session files.
          for (const image of result.images!) images.push({ type: "image", image: Buffer.from(image.data).toString("base64"), mediaType: image.mediaType });
        }
      }
    }
    this.append({ role: "tool", content: results });
    if (images.length > 0) this.append({ role: "user", content: images });
  }

  private session(): Promise<ShellSession> {
    if (this.options.session !== undefined) return this.options.session();
    this.ownSession ??= this.options.backend.openSession();
    return this.ownSession;
  }

  /** Runs one call (approval first), emitting tool-start, tool-output and tool-end. Never throws. */
  private async runToolCall(call: ToolCallPart): Promise<ToolResult> {
    const tool = this.tools.get(call.toolName);
    const valid = tool !== undefined && call.invalid !== true;
    this.out.push({
      type: "tool-start",
      toolCallId: call.toolCallId,
      toolName: call.toolName,
      input: call.input,
      title: valid ? safeTitle(tool, call.input) : call.toolName,
    });
    const started = performance.now();
    let result: ToolResult;
    if (!valid) {
      result = { output: describeInvalidCall(call, [...this.tools.keys()]), isError: true };
    } else {
      result = (await this.approvalRefusal(tool, call)) ?? (await this.execute(tool, call));
    }
    const output = capOutput(this.redactor.redact(result.output));
    this.out.push({
      type: "tool-end",
      toolCallId: call.toolCallId,
      toolName: call.toolName,
      isError: result.isError === true,
      output,
      durationMs: Math.round(performance.now() - started),
      ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
      ...(result.timedOut === undefined ? {} : { timedOut: result.timedOut }),
      ...(result.aborted === undefined ? {} : { aborted: result.aborted }),
      ...(result.omittedBytes === undefined ? {} : { omittedBytes: result.omittedBytes }),
    });
    return { ...result, output };
  }

  /** Undefined when the call may run; otherwise the result telling the model why it did not. */
  private async approvalRefusal(tool: AgentTool, call: ToolCallPart): Promise<ToolResult | undefined> {
    const command = tool.approvalCommand?.(call.input);
    if (command === undefined) return undefined;
    const decision = decideApproval(command, this.options.approvals ?? { mode: "ask", sandboxed: false });
    if (decision.action === "run") return undefined;
    if (this.options.approve === undefined) {
      return {
        output: `Not run: ${decision.reason}, so it needs the user's approval, and no one can approve commands here. Find a safer way, or ask the user to run it themselves.`,
        isError: true,
      };
    }
    await this.out.drained();
    const request = { toolCallId: call.toolCallId, toolName: call.toolName, command, reason: decision.reason, backend: this.options.backend.name };
    const approved = await Promise.race([
      this.options.approve(request).catch(() => false),
      new Promise<false>((resolve) => {
        if (this.signal.aborted) resolve(false);
        this.signal.addEventListener("abort", () => resolve(false), { once: true });
      }),
    ]);
    if (this.signal.aborted) return { output: "Not run: the user aborted the turn.", isError: true, aborted: true };
    return approved ? undefined : { output: "Not run: the user declined this command. Do not retry it; ask the user how to proceed.", isError: true };
  }

  private async execute(tool: AgentTool, call: ToolCallPart): Promise<ToolResult> {
    let live = 0;
    const limit = this.options.liveOutputLimit ?? DEFAULT_LIVE_OUTPUT_LIMIT;
    const context: ToolContext = {
      backend: this.options.backend,
      session: () => this.session(),
      toolCallId: call.toolCallId,
      signal: this.signal,
      emitOutput: (stream, text) => {
        if (text === "" || live > limit) return;
        live += text.length;
        const shown = live > limit ? `${text}\n[... live output stops here (more than ${limit} characters); the rest is in the tool result ...]\n` : text;
        this.out.push({ type: "tool-output", toolCallId: call.toolCallId, stream, text: this.redactor.redact(shown) });
      },
      redactor: this.redactor,
      outputStore: this.outputStore,
      vision: this.options.model.vision === true,
    };
    try {
      return await tool.execute(call.input, context);
    } catch (error) {
      if (this.signal.aborted) return { output: "Aborted by the user.", isError: true, aborted: true };
      if (error instanceof ToolError || isBackendError(error)) return { output: error.message, isError: true };
      return { output: `${tool.name} failed: ${error instanceof Error ? error.message : String(error)}`, isError: true };
    }
  }
}

function safeTitle(tool: AgentTool, input: unknown): string {
  try {
    return tool.title(input).split("\n")[0] ?? tool.name;
  } catch {
    return tool.name;
  }
}
