import {
  appendToSession,
  createSession,
  loadLatestSession,
  loadSession,
  type ConversationMessage,
  type LoadedSession,
  type SessionWriter,
} from "./session-store.js";

export interface ConversationChoice {
  /** `--continue`: the most recently written session. */
  continueLatest?: boolean;
  /** `--resume <id>`: that session (a unique prefix is enough). */
  resume?: string;
}

/** The session a command writes to and the conversation it starts from. */
export interface Conversation {
  session: SessionWriter;
  messages: ConversationMessage[];
  /** The session that was resumed, when one was. */
  resumed: LoadedSession | undefined;
}

/**
 * Finds the session `--continue` / `--resume` name, without opening it.
 * Throws `SessionNotFoundError` (listing recent ids and how to resume one)
 * for an unknown id, or when `--continue` finds no session at all.
 */
export function findConversation(directory: string, choice: ConversationChoice): LoadedSession | undefined {
  if (choice.resume !== undefined) return loadSession(directory, choice.resume);
  if (choice.continueLatest !== true) return undefined;
  const latest = loadLatestSession(directory);
  if (latest === undefined) {
    throw new NoSessionToContinueError(`There is no session to continue in ${directory} yet. Start one with \`monoclaw\` or \`monoclaw run "<prompt>"\`.`);
  }
  return latest;
}

export class NoSessionToContinueError extends Error {
  override readonly name = "NoSessionToContinueError";
}

/** Opens `resumed` for appending, or starts a new session file. */
export function openConversation(options: {
  directory: string;
  resumed: LoadedSession | undefined;
  cwd: string;
  model: string;
  backend: string;
  /** The new session's id, when chosen beforehand (see `createSession`). */
  id?: string;
  onError: (error: Error) => void;
}): Conversation {
  const { directory, resumed, cwd, model, backend, onError } = options;
  if (resumed !== undefined) {
    const session = appendToSession(resumed, { onError });
    if (resumed.model !== model) session.recordModel(model);
    return { session, messages: resumed.messages, resumed };
  }
  return {
    session: createSession({ directory, cwd, model, backend, onError, ...(options.id !== undefined ? { id: options.id } : {}) }),
    messages: [],
    resumed: undefined,
  };
}
