import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { OutputCollector } from "./output-collector.js";
import { createToolOutputStore } from "./tool-output-store.js";

const store = createToolOutputStore();
afterEach(() => store.dispose());

describe("OutputCollector", () => {
  it("keeps everything that fits", () => {
    const collector = new OutputCollector(store, "t1");
    collector.append("a\n");
    collector.append("b");
    expect(collector.finish()).toEqual({ text: "a\nb", truncated: false, totalLines: 2, totalBytes: 3, omittedBytes: 0 });
  });

  it("past the byte cap keeps head and tail whole (multi-byte characters included) and names the full file", () => {
    const collector = new OutputCollector(store, "t2", { maxLines: 1000, maxBytes: 1000 });
    const line = "ünïcödé line\n";
    let all = "";
    for (let i = 0; i < 500; i += 1) {
      collector.append(`${i} ${line}`);
      all += `${i} ${line}`;
    }
    const collected = collector.finish();
    expect(collected.truncated).toBe(true);
    expect(collected.text).not.toContain("\uFFFD");
    expect(collected.text.startsWith("0 ünïcödé line\n")).toBe(true);
    expect(collected.text.endsWith("499 ünïcödé line\n")).toBe(true);
    expect(readFileSync(collected.fullOutputPath!, "utf8")).toBe(all);
    expect(store.has(collected.fullOutputPath!)).toBe(true);
    expect(Buffer.byteLength(collected.text)).toBeLessThan(1400);
  });

  it("only registers files inside the store's directory", () => {
    expect(() => store.register("/etc/passwd")).toThrow(/not in the tool output directory/);
    expect(store.has("/etc/passwd")).toBe(false);
  });
});
