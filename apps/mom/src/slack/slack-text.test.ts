import { describe, expect, it } from "vitest";
import { codeBlock, inlineCode, shortenOutput, splitMessage, stripMention } from "./slack-text.js";

describe("slack text", () => {
  it("splits long text at line boundaries without losing anything", () => {
    const lines = Array.from({ length: 400 }, (_, i) => `line ${i} ${"x".repeat(20)}`);
    const text = lines.join("\n");
    const parts = splitMessage(text, 1000);
    expect(parts.length).toBeGreaterThan(5);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(1000);
    expect(parts.join("\n")).toBe(text);
  });

  it("closes and reopens a code fence cut in the middle", () => {
    const text = `intro\n\`\`\`\n${Array.from({ length: 200 }, (_, i) => `row ${i}`).join("\n")}\n\`\`\`\nend`;
    const parts = splitMessage(text, 500);
    for (const part of parts) expect((part.match(/```/g)?.length ?? 0) % 2).toBe(0);
    expect(parts.at(-1)).toContain("end");
  });

  it("never cuts an escaped entity such as &amp; in two", () => {
    const text = "&amp;".repeat(600);
    const parts = splitMessage(text, 1000);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) expect(part).toMatch(/^(&amp;)+$/);
    expect(parts.join("")).toBe(text);
  });

  it("splits a text without any whitespace hard", () => {
    const parts = splitMessage("a".repeat(2500), 1000);
    expect(parts.join("")).toBe("a".repeat(2500));
  });

  it("shortens output with an explicit note of what was left out", () => {
    const output = Array.from({ length: 1000 }, (_, i) => `out ${i}`).join("\n");
    const short = shortenOutput(output, 300, "full output in scratch/out.txt");
    expect(short.length).toBeLessThan(420);
    expect(short).toMatch(/^out 0\n/);
    expect(short).toMatch(/out 999$/);
    expect(short).toMatch(/… \d+ characters \(\d+ lines\) left out; full output in scratch\/out\.txt …/);
    expect(shortenOutput("short", 300)).toBe("short");
  });

  it("keeps code blocks closed and strips the bot mention", () => {
    expect(codeBlock("a```b")).toBe("```\na`\u200b``b\n```");
    expect(inlineCode("a `b`\n c")).toBe("`a 'b' c`");
    expect(stripMention("<@UBOT> do it", "UBOT")).toBe("do it");
  });
});
