import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hostWorkspace } from "../agent/agent.test-helpers.js";
import { ToolError } from "./agent-tool.js";
import { createEditTool } from "./edit-tool.js";
import { createReadTool } from "./read-tool.js";
import { runTool } from "./tools.test-helpers.js";
import { createWriteTool } from "./write-tool.js";

let workspace: Awaited<ReturnType<typeof hostWorkspace>>;
beforeEach(async () => {
  workspace = await hostWorkspace();
});
afterEach(async () => {
  await workspace.cleanup();
});

const write = createWriteTool();
const read = createReadTool();
const edit = createEditTool();

async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ToolError);
  return (error as Error).message;
}

describe("write", () => {
  it("creates parents, writes any size exactly, and overwrites keeping the file's mode", async () => {
    const big = "x".repeat(3 * 1024 * 1024) + "\nend\n";
    const created = await runTool(write, { path: "a/b/c/big.txt", content: big }, workspace.backend);
    expect(created.output).toBe(`Created a/b/c/big.txt (${big.length} bytes, 2 lines).`);
    expect(await readFile(join(workspace.dir, "a/b/c/big.txt"), "utf8")).toBe(big);
    await writeFile(join(workspace.dir, "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
    expect((await runTool(write, { path: "run.sh", content: "#!/bin/sh\necho hi\n" }, workspace.backend)).output).toMatch(/^Overwrote run.sh/);
    expect((await stat(join(workspace.dir, "run.sh"))).mode & 0o777).toBe(0o755);
  });

  it("refuses to write over a directory", async () => {
    await mkdir(join(workspace.dir, "folder"));
    expect(await failure(runTool(write, { path: "folder", content: "x" }, workspace.backend))).toContain("folder is a directory");
  });
});

describe("read", () => {
  it("pages with offset and limit, and says where to continue", async () => {
    await writeFile(join(workspace.dir, "lines.txt"), Array.from({ length: 10 }, (_, i) => `row ${i + 1}`).join("\n"));
    expect((await runTool(read, { path: "lines.txt", offset: 9 }, workspace.backend)).output).toBe("     9\trow 9\n    10\trow 10");
    expect((await runTool(read, { path: "lines.txt", limit: 2 }, workspace.backend)).output).toBe(
      "     1\trow 1\n     2\trow 2\n[lines 1-2 of 10; continue with offset=3]",
    );
    expect(await failure(runTool(read, { path: "lines.txt", offset: 11 }, workspace.backend))).toBe(
      "offset 11 is past the end of lines.txt, which has 10 lines.",
    );
  });

  it("cuts very long lines and says so; an empty file is named as empty", async () => {
    await writeFile(join(workspace.dir, "wide.txt"), `${"w".repeat(5000)}\nshort\n`);
    const output = (await runTool(read, { path: "wide.txt" }, workspace.backend)).output;
    expect(output).toContain("... [line cut at 2000 characters]");
    expect(output.endsWith("     2\tshort")).toBe(true);
    await writeFile(join(workspace.dir, "empty.txt"), "");
    expect((await runTool(read, { path: "empty.txt" }, workspace.backend)).output).toBe("(empty.txt is empty)");
  });

  it("refuses directories and binary files with what to do instead", async () => {
    await mkdir(join(workspace.dir, "dir"));
    expect(await failure(runTool(read, { path: "dir" }, workspace.backend))).toContain("dir is a directory. List it with bash");
    await writeFile(join(workspace.dir, "blob"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1]));
    expect(await failure(runTool(read, { path: "blob" }, workspace.backend))).toContain("blob is a binary file (7 bytes), not text");
  });
});

describe("edit", () => {
  it("replaces every occurrence with replace_all and reports how many", async () => {
    await writeFile(join(workspace.dir, "c.ts"), "let a = 1;\nlet b = a + a;\n");
    const result = await runTool(edit, { path: "c.ts", old_string: "a", new_string: "alpha", replace_all: true }, workspace.backend);
    expect(result.output).toContain("Edited c.ts (3 occurrences replaced).");
    expect(await readFile(join(workspace.dir, "c.ts"), "utf8")).toBe("let alpha = 1;\nlet b = alpha + alpha;\n");
  });

  it("leaves the file untouched when old_string is missing, telling the model to re-read", async () => {
    await writeFile(join(workspace.dir, "d.txt"), "hello\n");
    const message = await failure(runTool(edit, { path: "d.txt", old_string: "Hello", new_string: "Bye" }, workspace.backend));
    expect(message).toContain("old_string was not found in d.txt");
    expect(message).toContain("read the file again");
    expect(await readFile(join(workspace.dir, "d.txt"), "utf8")).toBe("hello\n");
  });

  it("matches LF text in a CRLF file and keeps CRLF", async () => {
    await writeFile(join(workspace.dir, "win.txt"), "one\r\ntwo\r\nthree\r\n");
    await runTool(edit, { path: "win.txt", old_string: "one\ntwo", new_string: "1\n2" }, workspace.backend);
    expect(await readFile(join(workspace.dir, "win.txt"), "utf8")).toBe("1\r\n2\r\nthree\r\n");
  });

  it("rejects no-op edits and missing files with what to do", async () => {
    expect(await failure(runTool(edit, { path: "x", old_string: "a", new_string: "a" }, workspace.backend))).toContain("nothing to change");
    expect(await failure(runTool(edit, { path: "nope.txt", old_string: "a", new_string: "b" }, workspace.backend))).toContain("use the write tool");
  });
});
