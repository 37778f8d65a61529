import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hostWorkspace } from "../agent/agent.test-helpers.js";
import { createEditTool } from "./edit-tool.js";
import { runTool } from "./tools.test-helpers.js";

let workspace: Awaited<ReturnType<typeof hostWorkspace>>;
beforeEach(async () => {
  workspace = await hostWorkspace();
});
afterEach(async () => {
  await workspace.cleanup();
});

describe("edit on a 20 MB file", () => {
  it("replaces every occurrence and answers with a diff cut to about 50 KB that says what it leaves out", async () => {
    const lines = Array.from({ length: 400_000 }, (_, i) =>
      i % 4 === 0 ? `call(oldName, ${i}); // ${"pad ".repeat(8)}` : `keep(${i}); // ${"pad ".repeat(8)}`,
    );
    const before = `${lines.join("\n")}\n`;
    expect(before.length).toBeGreaterThan(20_000_000);
    await writeFile(join(workspace.dir, "big.js"), before);
    const result = await runTool(createEditTool(), { path: "big.js", old_string: "oldName", new_string: "newName", replace_all: true }, workspace.backend);
    expect(await readFile(join(workspace.dir, "big.js"), "utf8")).toBe(before.replaceAll("oldName", "newName"));
    const output = result.output.split("\n");
    expect(output[0]).toBe("Edited big.js (100000 occurrences replaced).");
    expect(output.slice(1, 6)).toEqual(["--- a/big.js", "+++ b/big.js", output[3], `-${lines[0]}`, `+${lines[0]!.replace("oldName", "newName")}`]);
    expect(output[3]).toMatch(/^@@ -1,(\d+) \+1,\1 @@$/);
    expect(Buffer.byteLength(result.output)).toBeLessThan(52_000);
    expect(output[output.length - 1]).toMatch(
      /^\[diff cut: the changes from line \d+ of the new file on \(\d+ lines removed, \d+ added\) are not shown.*Read big\.js to see them\.\]$/,
    );
  });

  it("shows a small edit in the same file whole, with exact line numbers", async () => {
    const lines = Array.from({ length: 400_000 }, (_, i) => `keep(${i}); // ${"pad ".repeat(8)}`);
    await writeFile(join(workspace.dir, "big.js"), `${lines.join("\n")}\n`);
    const result = await runTool(createEditTool(), { path: "big.js", old_string: "keep(300000);", new_string: "kept(300000);" }, workspace.backend);
    expect(result.output).toBe(
      [
        "Edited big.js (1 occurrence replaced).",
        "--- a/big.js",
        "+++ b/big.js",
        "@@ -299998,7 +299998,7 @@",
        ...lines.slice(299_997, 300_000).map((l) => ` ${l}`),
        `-${lines[300_000]}`,
        `+${lines[300_000]!.replace("keep", "kept")}`,
        ...lines.slice(300_001, 300_004).map((l) => ` ${l}`),
      ].join("\n"),
    );
  });
});
