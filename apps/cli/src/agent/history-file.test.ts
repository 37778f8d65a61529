import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HISTORY_SIZE, openHistoryFile } from "./history-file.js";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "monoclaw-history-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("openHistoryFile", () => {
  it("starts empty without a file and appends lines to a private file, oldest first", () => {
    const path = join(dir, "home", "history");
    const history = openHistoryFile(path);
    expect(history.entries()).toEqual([]);
    history.add("first");
    history.add("second");
    history.add("second");
    history.add("   ");
    expect(history.entries()).toEqual(["second", "first"]);
    expect(readFileSync(path, "utf8")).toBe("first\nsecond\n");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(openHistoryFile(path).entries()).toEqual(["second", "first"]);
  });

  it("keeps the newest lines and compacts the file when it doubles", () => {
    const path = join(dir, "history");
    writeFileSync(path, Array.from({ length: HISTORY_SIZE * 2 - 1 }, (_, i) => `line ${i}`).join("\n") + "\n");
    const history = openHistoryFile(path);
    expect(history.entries()).toHaveLength(HISTORY_SIZE);
    expect(history.entries()[0]).toBe(`line ${HISTORY_SIZE * 2 - 2}`);
    history.add("newest");
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(HISTORY_SIZE);
    expect(lines.at(-1)).toBe("newest");
  });

  it("never throws when the file cannot be written", () => {
    const history = openHistoryFile(join("/proc", "monoclaw-history"));
    expect(() => history.add("x")).not.toThrow();
    expect(history.entries()).toEqual(["x"]);
  });
});
