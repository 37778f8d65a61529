import type { AgentEvent, ToolEndEvent, ToolStartEvent } from "@monoclaw/core";
import { SlackMessage, slack } from "./slack-message.js";
import type { Place, Postable, SlackOutput } from "./slack-output.js";
import { shortenOutput } from "./slack-text.js";

export interface RunRendererOptions {
  /** Where the main message goes (the channel, or the thread the request came from). */
  place: Place;
  /**
   * Scheduled events render quietly: no progress message; at the end the
   * answer and tool details are posted, or nothing when the answer starts
   * with `[SILENT]`.
   */
  quiet?: boolean;
  /** Minimum milliseconds between two updates of the main message (default 1000: Slack allows about one a second). */
  throttleMs?: number;
  /** Characters of tool output shown in a thread reply (default 1500). */
  toolOutputChars?: number;
}

/** How a run ended, as the renderer reports it. */
export interface RenderedRun {
  /** The main message's ts (undefined when nothing was posted). */
  mainTs: string | undefined;
  /** The final text shown (after the `[SILENT]` check). */
  text: string;
  silent: boolean;
}

const SILENT = "[SILENT]";

/**
 * Renders one run's agent events as Slack messages: one main message,
 * posted at start and updated (throttled) while work goes on, then replaced
 * by the final answer; each tool call as a reply in the main message's
 * thread (command, duration, exit code, output shortened with a note).
 * The model's text, tool titles and output are escaped (see `SlackMessage`):
 * only the renderer's own status markup is live mrkdwn.
 * Slack calls are made one at a time in event order. It never throws.
 */
export class RunRenderer {
  private readonly throttleMs: number;
  private readonly toolOutputChars: number;
  private chain: Promise<unknown> = Promise.resolve();
  private mainTs: Promise<string | undefined> | undefined;
  private text = "";
  private readonly running = new Map<string, ToolStartEvent>();
  private readonly toolReplies: SlackMessage[] = [];
  private toolCount = 0;
  private lastUpdate = 0;
  private updateTimer: NodeJS.Timeout | undefined;
  /** A progress update is queued and not yet sent. */
  private updateQueued = false;
  private finished = false;

  constructor(
    private readonly out: SlackOutput,
    private readonly options: RunRendererOptions,
  ) {
    this.throttleMs = options.throttleMs ?? 1000;
    this.toolOutputChars = options.toolOutputChars ?? 1500;
  }

  /** Posts the main message (not in quiet mode). */
  start(initial: Postable = slack`_Working on it…_`): void {
    if (this.options.quiet) return;
    this.mainTs = this.enqueue(async () => (await this.out.post(this.options.place, initial))[0]);
    this.lastUpdate = Date.now();
  }

  /** Takes one agent event; Slack calls it causes are queued, not awaited. */
  onEvent(event: AgentEvent): void {
    if (this.finished) return;
    switch (event.type) {
      case "text-delta":
        this.text += event.text;
        this.scheduleUpdate();
        break;
      case "tool-start":
        this.running.set(event.toolCallId, event);
        this.toolCount += 1;
        this.scheduleUpdate();
        break;
      case "tool-end": {
        const start = this.running.get(event.toolCallId);
        this.running.delete(event.toolCallId);
        this.toolReply(this.formatTool(start, event));
        this.scheduleUpdate();
        break;
      }
      case "retry":
        this.toolReply(slack`_The model call failed (${event.reason}); retry ${event.attempt} in ${Math.round(event.delayMs / 1000)} s._`);
        break;
      default:
        break;
    }
  }

  /**
   * Replaces the main message with the final answer (split when long) and
   * waits for every queued Slack call. `finalText` is the model's markdown
   * (with mom's own `_status_` lines, which need no live markup).
   */
  async finish(finalText: string): Promise<RenderedRun> {
    this.finished = true;
    if (this.updateTimer) clearTimeout(this.updateTimer);
    const text = finalText.trim();
    const silent = text.startsWith(SILENT);
    if (this.options.quiet) {
      if (silent) {
        await this.chain;
        return { mainTs: undefined, text, silent };
      }
      const posted = await this.enqueue(() => this.out.post(this.options.place, text || "_(no answer)_"));
      const mainTs = posted[0];
      if (mainTs) for (const reply of this.toolReplies) await this.enqueue(() => this.out.post({ ...this.options.place, threadTs: mainTs }, reply));
      return { mainTs, text, silent };
    }
    const mainTs = await this.mainTs;
    await this.enqueue(async () => {
      if (mainTs) await this.out.replace(this.options.place, mainTs, text || "_(no answer)_");
      else await this.out.post(this.options.place, text || "_(no answer)_");
    });
    return { mainTs, text, silent };
  }

  private toolReply(reply: SlackMessage): void {
    if (this.options.quiet) {
      this.toolReplies.push(reply);
      return;
    }
    void this.enqueue(async () => {
      const ts = await this.mainTs;
      if (ts) await this.out.post({ ...this.options.place, threadTs: ts }, reply);
    });
  }

  private formatTool(start: ToolStartEvent | undefined, end: ToolEndEvent): SlackMessage {
    const title = start?.title ?? end.toolName;
    const facts = [
      end.exitCode !== undefined ? `exit ${end.exitCode}` : end.isError ? "failed" : "ok",
      `${(end.durationMs / 1000).toFixed(1)} s`,
      ...(end.timedOut ? ["timed out"] : []),
      ...(end.aborted ? ["stopped"] : []),
    ];
    const head = slack`*${end.toolName}* ${SlackMessage.inlineCode(title)} (${facts.join(", ")})`;
    const output = end.output.trim();
    if (output === "") return head;
    return slack`${head}\n${SlackMessage.codeBlock(shortenOutput(output, this.toolOutputChars, undefined, end.omittedBytes))}`;
  }

  private progressText(): SlackMessage {
    const current = [...this.running.values()].at(-1);
    const answerSoFar = this.text.trim() ? slack`${SlackMessage.markdown(tailOf(this.text.trim(), 2500))}\n\n` : slack``;
    const status = current ? slack`running ${SlackMessage.inlineCode(current.title)}` : slack`thinking`;
    const calls = this.toolCount > 0 ? ` (${this.toolCount} tool call${this.toolCount === 1 ? "" : "s"} so far; details in the thread)` : "";
    return slack`${answerSoFar}_Working… ${status}${calls}_`;
  }

  /**
   * At most one progress update waits in the queue, and it shows the state
   * when it is sent: when Slack answers slower than the throttle, updates
   * coalesce to the latest instead of piling up one per interval.
   */
  private scheduleUpdate(): void {
    if (this.options.quiet || this.finished || this.updateTimer || this.updateQueued) return;
    const wait = Math.max(0, this.lastUpdate + this.throttleMs - Date.now());
    this.updateTimer = setTimeout(() => {
      this.updateTimer = undefined;
      if (this.finished) return;
      this.updateQueued = true;
      void this.enqueue(async () => {
        this.updateQueued = false;
        const ts = await this.mainTs;
        if (!ts || this.finished) return;
        this.lastUpdate = Date.now();
        await this.out.replace(this.options.place, ts, this.progressText());
      });
    }, wait);
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = this.chain.then(task, task);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

function tailOf(text: string, max: number): string {
  return text.length <= max ? text : `…${text.slice(text.length - max)}`;
}
