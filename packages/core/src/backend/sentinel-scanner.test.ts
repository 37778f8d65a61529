import { describe, expect, it } from "vitest";
import { createSentinelScanner } from "./sentinel-scanner.js";

const TAG = "__MCabc123_7:";

function scan(chunks: string[]): { output: string; trailer: string | undefined } {
  let output = "";
  let trailer: string | undefined;
  const scanner = createSentinelScanner(TAG, (chunk) => (output += Buffer.from(chunk).toString()));
  for (const chunk of chunks) {
    const found = scanner.push(Buffer.from(chunk));
    if (found !== undefined) trailer = found;
  }
  return { output, trailer };
}

describe("createSentinelScanner", () => {
  const stream = `line one\nno newline at the end${TAG}42\nignored after`;

  it("finds the sentinel in one chunk, output without trailing newline kept", () => {
    expect(scan([stream])).toEqual({ output: "line one\nno newline at the end", trailer: "42" });
  });

  it("finds it wherever the chunks are split", () => {
    for (let a = 1; a < stream.length; a++) {
      for (const b of [a + 1, a + 3, a + 11]) {
        const chunks = [stream.slice(0, a), stream.slice(a, b), stream.slice(b)].filter((c) => c.length > 0);
        expect(scan(chunks)).toEqual({ output: "line one\nno newline at the end", trailer: "42" });
      }
    }
  });

  it("finds it fed one byte at a time", () => {
    expect(scan([...stream])).toEqual({ output: "line one\nno newline at the end", trailer: "42" });
  });

  it("passes through text that only looks like the start of the tag", () => {
    const tricky = `__MC __MCabc __MCabc123_ __MCabc123_8:x\n${TAG}0\n`;
    expect(scan([tricky])).toEqual({ output: "__MC __MCabc __MCabc123_ __MCabc123_8:x\n", trailer: "0" });
    expect(scan([...tricky])).toEqual({ output: "__MC __MCabc __MCabc123_ __MCabc123_8:x\n", trailer: "0" });
  });

  it("emits output before the sentinel arrives (nothing is held back but a possible tag start)", () => {
    const seen: string[] = [];
    const scanner = createSentinelScanner(TAG, (chunk) => seen.push(Buffer.from(chunk).toString()));
    scanner.push(Buffer.from("streamed __MCab"));
    expect(seen).toEqual(["streamed "]);
    expect(scanner.done).toBe(false);
    expect(scanner.push(Buffer.from("c123_7:1\n"))).toBe("1");
    expect(scanner.done).toBe(true);
    expect(seen).toEqual(["streamed "]);
  });
});
