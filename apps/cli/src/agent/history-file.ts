import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Lines kept in the history file and offered by the up arrow. */
export const HISTORY_SIZE = 1000;

/**
 * The interactive session's line history, one entry per line, oldest first
 * (like `~/.bash_history`), in a 0600 file because prompts may hold secrets.
 *
 * Rules: a missing or unreadable file is an empty history, never an error;
 * `add` appends one line at once (so history survives a crash) and skips
 * blank lines and a repeat of the previous line; the file is rewritten down
 * to {@link HISTORY_SIZE} lines when it grows to twice that. Write failures
 * are ignored: history is a convenience, never a reason to stop a session.
 */
export interface HistoryFile {
  /** Newest first, as node:readline's `history` option wants it. */
  entries(): string[];
  add(line: string): void;
}

export function openHistoryFile(path: string): HistoryFile {
  let lines: string[] = [];
  try {
    lines = readFileSync(path, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "");
  } catch {
    lines = [];
  }
  let fileLines = lines.length;
  lines = lines.slice(-HISTORY_SIZE);

  return {
    entries: () => [...lines].reverse(),
    add(line) {
      const entry = line.replace(/[\r\n]+/g, " ");
      if (entry.trim() === "" || lines[lines.length - 1] === entry) return;
      lines.push(entry);
      if (lines.length > HISTORY_SIZE) lines = lines.slice(-HISTORY_SIZE);
      try {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        if (fileLines + 1 >= HISTORY_SIZE * 2) {
          writeFileSync(path, `${lines.join("\n")}\n`, { mode: 0o600 });
          fileLines = lines.length;
        } else {
          appendFileSync(path, `${entry}\n`, { mode: 0o600 });
          fileLines += 1;
        }
      } catch {
        // History is best effort.
      }
    },
  };
}
