import { describe, expect, it } from "vitest";
import { createTerminalSanitizer } from "./terminal-sanitizer.js";

describe("createTerminalSanitizer", () => {
  it("passes plain text, tabs, newlines and carriage returns through", () => {
    const sanitizer = createTerminalSanitizer({ keepColors: false });
    expect(sanitizer.write("a\tb\r\nc\nünïcødé ✓")).toBe("a\tb\r\nc\nünïcødé ✓");
  });

  it("removes cursor moves, screen clears, titles, clipboard writes and hyperlinks", () => {
    const sanitizer = createTerminalSanitizer({ keepColors: false });
    const hostile = "x\u001b[2J\u001b[H\u001b]0;owned\u0007\u001b]52;c;ZXZpbA==\u0007\u001b]8;;http://e.x\u001b\\link\u001b]8;;\u001b\\\u001bcy";
    expect(sanitizer.write(hostile)).toBe("xlinky");
  });

  it("keeps colour sequences only when asked", () => {
    expect(createTerminalSanitizer({ keepColors: true }).write("\u001b[31mred\u001b[0m\u001b[2K")).toBe("\u001b[31mred\u001b[0m");
    expect(createTerminalSanitizer({ keepColors: false }).write("\u001b[31mred\u001b[0m")).toBe("red");
  });

  it("drops other control characters, including 8-bit C1 controls", () => {
    const sanitizer = createTerminalSanitizer({ keepColors: false });
    expect(sanitizer.write("a\u0007b\u0008c\u0000d\u009b2Je\u007f")).toBe("abcd2Je");
  });

  it("recognises an escape sequence split across chunks", () => {
    const sanitizer = createTerminalSanitizer({ keepColors: false });
    expect(sanitizer.write("before\u001b[")).toBe("before");
    expect(sanitizer.write("2Jafter")).toBe("after");
    expect(sanitizer.write("title\u001b]0;ab")).toBe("title");
    expect(sanitizer.write("c\u0007done")).toBe("done");
  });

  it("discards a held incomplete sequence on flush", () => {
    const sanitizer = createTerminalSanitizer({ keepColors: false });
    expect(sanitizer.write("x\u001b")).toBe("x");
    sanitizer.flush();
    expect(sanitizer.write("[31my")).toBe("[31my");
  });
});
