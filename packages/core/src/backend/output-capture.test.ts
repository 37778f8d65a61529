import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { capturedBytes, capturedText, createOutputCapture, discardCapturedOutput, omittedBytes } from "./output-capture.js";

const dir = mkdtempSync(join(tmpdir(), "monoclaw-capture-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (length: number, seed = 0): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 7 + seed) % 251);

describe("createOutputCapture", () => {
  it("keeps everything in head while under the cap, and copies chunks", () => {
    const capture = createOutputCapture({ maxBytes: 10, spillDirectory: dir });
    const chunk = new Uint8Array([1, 2, 3]);
    capture.write(chunk);
    chunk[0] = 99; // the caller may reuse its buffer
    capture.write(new Uint8Array([4, 5, 6, 7, 8, 9, 10]));
    const output = capture.finish();
    expect([...output.head]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(output.tail.length).toBe(0);
    expect(output).toMatchObject({ totalBytes: 10, truncated: false });
    expect(output.spillPath).toBeUndefined();
    expect(capture.finish()).toBe(output);
  });

  it.each([1, 3, 64, 250, 251, 500, 501, 502, 1000, 4096])("past the cap keeps exact head and tail and spills every byte (chunks of %i)", (chunkSize) => {
    const data = bytes(10_000);
    const capture = createOutputCapture({ maxBytes: 1001, spillDirectory: dir, label: "stdout" });
    for (let offset = 0; offset < data.length; offset += chunkSize) capture.write(data.subarray(offset, offset + chunkSize));
    const output = capture.finish();
    expect(output.truncated).toBe(true);
    expect(output.totalBytes).toBe(10_000);
    expect([...output.head]).toEqual([...data.subarray(0, 500)]);
    expect([...output.tail]).toEqual([...data.subarray(10_000 - 501)]);
    expect(omittedBytes(output)).toBe(10_000 - 1001);
    expect(output.spillPath).toMatch(/stdout-.*\.log$/);
    const spilled = readFileSync(output.spillPath!);
    expect(createHash("sha256").update(spilled).digest("hex")).toBe(createHash("sha256").update(data).digest("hex"));
  });

  it("copies Buffer chunks too (Buffer#slice would only be a view)", () => {
    const capture = createOutputCapture({ maxBytes: 100 });
    const chunk = Buffer.from("abc");
    capture.write(chunk);
    chunk.write("xyz");
    expect(Buffer.from(capture.finish().head).toString()).toBe("abc");
  });

  it("with a cap of 0 keeps nothing in memory and spills everything", () => {
    const capture = createOutputCapture({ maxBytes: 0, spillDirectory: dir });
    capture.write(bytes(100));
    const output = capture.finish();
    expect(output.head.length + output.tail.length).toBe(0);
    expect(readFileSync(output.spillPath!).length).toBe(100);
  });

  it("goes on with head and tail when the spill file cannot be written", () => {
    const blocker = join(dir, "not-a-directory");
    writeFileSync(blocker, "");
    const capture = createOutputCapture({ maxBytes: 4, spillDirectory: join(blocker, "sub") });
    capture.write(new Uint8Array([1, 2, 3, 4, 5, 6]));
    const output = capture.finish();
    expect(output).toMatchObject({ truncated: true, totalBytes: 6 });
    expect(output.spillPath).toBeUndefined();
    expect([...capturedBytes(output)]).toEqual([1, 2, 5, 6]);
    expect(capturedText(output)).toContain("the full output could not be saved");
  });

  it("rejects a negative or fractional cap", () => {
    expect(() => createOutputCapture({ maxBytes: -1 })).toThrow(/non-negative integer/);
    expect(() => createOutputCapture({ maxBytes: 1.5 })).toThrow(/non-negative integer/);
  });
});

describe("capturedText", () => {
  it("returns the whole text when it fitted", () => {
    const capture = createOutputCapture({ maxBytes: 100 });
    capture.write(new TextEncoder().encode("héllo"));
    expect(capturedText(capture.finish())).toBe("héllo");
  });

  it("joins head and tail with a marker naming the omitted bytes and the spill file, never splitting a character", async () => {
    const capture = createOutputCapture({ maxBytes: 9, spillDirectory: dir });
    capture.write(new TextEncoder().encode("ab€€€€€€€€yz")); // € is 3 bytes: the head cut falls inside one
    const output = capture.finish();
    const shown = capturedText(output);
    expect(shown.startsWith("ab\n[... ")).toBe(true);
    expect(shown).toContain(`${omittedBytes(output)} bytes omitted (28 in total); full output in ${output.spillPath}`);
    expect(shown.endsWith("...]\n€yz")).toBe(true);
    await discardCapturedOutput(output);
    expect(() => readFileSync(output.spillPath!)).toThrow();
  });
});
