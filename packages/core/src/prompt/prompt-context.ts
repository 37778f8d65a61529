import { readFile } from "node:fs/promises";
import { release, type as osType } from "node:os";
import { join } from "node:path";
import { isBackendError } from "../backend/backend-error.js";
import type { ExecutionBackend } from "../backend/execution-backend.js";
import { decodeText, isText } from "../tools/file-content.js";
import { mountsFromStatus, type SystemPromptContext } from "./system-prompt.js";

/** AGENTS.md larger than this is cut (and says so), so a huge file cannot eat the context window. */
export const MAX_INSTRUCTIONS_CHARS = 32 * 1024;

export interface GatherPromptOptions {
  backend: ExecutionBackend;
  /** The directory MonoClaw was started in, on the host: its AGENTS.md is used when the backend has none in its workspace. */
  hostCwd?: string;
  now?: Date;
}

function localDate(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function cap(content: string): string {
  return content.length <= MAX_INSTRUCTIONS_CHARS
    ? content
    : `${content.slice(0, MAX_INSTRUCTIONS_CHARS)}\n[... AGENTS.md cut at ${MAX_INSTRUCTIONS_CHARS} characters]`;
}

/**
 * AGENTS.md for the prompt: the one in the backend's workspace, else the one
 * in the host directory MonoClaw started in. Missing, unreadable or binary
 * files are skipped silently (they are optional).
 */
export async function loadAgentsInstructions(options: GatherPromptOptions): Promise<{ path: string; content: string } | undefined> {
  const inWorkspace = `${options.backend.workspacePath.replace(/\/+$/, "")}/AGENTS.md`;
  try {
    const bytes = await options.backend.readFile(inWorkspace);
    if (isText(bytes)) return { path: inWorkspace, content: cap(decodeText(bytes)) };
  } catch (error) {
    if (!isBackendError(error)) throw error;
  }
  if (options.hostCwd === undefined) return undefined;
  const onHost = join(options.hostCwd, "AGENTS.md");
  try {
    const bytes = await readFile(onHost);
    return isText(bytes) ? { path: onHost, content: cap(decodeText(bytes)) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Collects the prompt context from the backend: its status (name, summary,
 * OS or image, mounts), workspace path, today's date and AGENTS.md. Starts
 * nothing: `status()` is cheap by contract, and AGENTS.md is one file read.
 */
export async function gatherPromptContext(options: GatherPromptOptions): Promise<SystemPromptContext> {
  const status = await options.backend.status();
  const details = status.details ?? {};
  const os =
    typeof details.os === "string"
      ? details.os
      : typeof details.image === "string"
        ? `container image ${details.image}`
        : status.backend === "host"
          ? `${osType()} ${release()} (${process.arch})`
          : undefined;
  const mounts = mountsFromStatus(status);
  const instructions = await loadAgentsInstructions(options);
  return {
    backend: status.backend,
    summary: status.summary,
    ...(os === undefined ? {} : { os }),
    workdir: options.backend.workspacePath,
    ...(mounts === undefined ? {} : { mounts }),
    date: localDate(options.now ?? new Date()),
    ...(instructions === undefined ? {} : { instructions }),
  };
}
