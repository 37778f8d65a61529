import { inspectCommand } from "./destructive-commands.js";

/** What the agent needs to decide about approvals. */
export interface ApprovalPolicy {
  /**
   * `terminal.approvals` (the config's `ApprovalMode`): when to ask the person before a command runs.
   * - `ask` (default): ask before commands that look destructive.
   * - `always`: ask before every command.
   * - `never`: never ask; everything runs (for trusted, throwaway machines).
   */
  mode: "ask" | "always" | "never";
  /**
   * True when a destructive command cannot hurt anything that matters: a
   * Docker backend with no host folder mounted writable. Then `ask` lets
   * destructive commands run (the container is the guard); `always` still asks.
   */
  sandboxed: boolean;
}

/** What an approval prompt shows. */
export interface ApprovalRequest {
  toolCallId: string;
  toolName: string;
  /** The command as the model wrote it. */
  command: string;
  /** Why approval is asked (`recursively deletes / ...`, or `terminal.approvals is "always"`). */
  reason: string;
  /** Backend name the command would run on. */
  backend: string;
}

/** Asks the person; resolves true to run the command. Rejecting counts as a no. */
export type ApproveFunction = (request: ApprovalRequest) => Promise<boolean>;

/** The reason given when `terminal.approvals` is `always`: every command is asked about, none was judged. */
export const ALWAYS_ASK_REASON = 'terminal.approvals is "always"';

export type ApprovalDecision =
  /** `unseen`: what the destructive-command check could not see into (scripts, inline code, unknown variables), when any. */
  { action: "run"; unseen?: string[] } | { action: "ask"; reason: string };

/**
 * Decides whether `command` may run without asking. Pure: it never prompts.
 * Under `ask`, the command is read as a shell would read it
 * (`inspectCommand`): a best-effort check that cannot see into scripts,
 * variables set elsewhere or other languages' code; code fed to a shell that
 * it cannot read (`eval "$x"`, `... | sh`) is asked about.
 * The agent asks through its `approve` hook; without a hook (no one to ask,
 * as in `monoclaw run` or a Slack bot) an `ask` decision means the command is
 * refused, never silently run.
 */
export function decideApproval(command: string, policy: ApprovalPolicy): ApprovalDecision {
  if (policy.mode === "never") return { action: "run" };
  if (policy.mode === "always") return { action: "ask", reason: ALWAYS_ASK_REASON };
  if (policy.sandboxed) return { action: "run" };
  const { match, unseen } = inspectCommand(command);
  if (match !== undefined) return { action: "ask", reason: `this command ${match.reason}` };
  return unseen.length === 0 ? { action: "run" } : { action: "run", unseen };
}

/**
 * Whether a backend guards the host: true only for a non-host backend whose
 * `status().details.mounts` lists its host mounts (`[{ source, target,
 * readOnly }]`, or `mode: "ro"`) and none is writable. A backend that does
 * not report its mounts is not trusted (a writable project mount would let
 * `rm -rf /` reach the user's files), so approvals still apply to it.
 */
export function isSandboxedStatus(status: { backend: string; details?: Record<string, unknown> }): boolean {
  if (status.backend === "host") return false;
  const mounts = status.details?.mounts;
  if (!Array.isArray(mounts)) return false;
  return mounts.every((mount: unknown) => {
    if (typeof mount !== "object" || mount === null) return false;
    const m = mount as { readOnly?: unknown; readonly?: unknown; mode?: unknown; type?: unknown };
    if (m.type === "tmpfs" || m.type === "volume") return true;
    return m.readOnly === true || m.readonly === true || m.mode === "ro";
  });
}
