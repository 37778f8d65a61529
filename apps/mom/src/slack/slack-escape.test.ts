import { describe, expect, it } from "vitest";
import { escapeSlackText, removeDisguisingCharacters } from "./slack-escape.js";

describe("escapeSlackText", () => {
  it.each([
    ["<!channel>", "&lt;!channel&gt;"],
    ["<!here>", "&lt;!here&gt;"],
    ["<!everyone>", "&lt;!everyone&gt;"],
    ["<@U123>", "&lt;@U123&gt;"],
    ["<#C123>", "&lt;#C123&gt;"],
    ["<!subteam^S123>", "&lt;!subteam^S123&gt;"],
    ["<https://evil.example|https://slack.com>", "&lt;https://evil.example|https://slack.com&gt;"],
    ["a & b", "a &amp; b"],
  ])("escapes %s as %s", (text, escaped) => expect(escapeSlackText(text)).toBe(escaped));

  it("escapes & first, so text that already reads &lt;!here&gt; is shown as written, not turned into a mention", () => {
    expect(escapeSlackText("&lt;!here&gt;")).toBe("&amp;lt;!here&amp;gt;");
    expect(escapeSlackText("&amp;")).toBe("&amp;amp;");
  });
});

describe("removeDisguisingCharacters", () => {
  it("removes zero-width spaces, bidi overrides and C0 controls, keeping newlines, tabs and emoji joiners", () => {
    expect(removeDisguisingCharacters("<!chan\u200bnel>")).toBe("<!channel>");
    expect(removeDisguisingCharacters("moc.\u202eevil\u202c.example")).toBe("moc.evil.example");
    expect(removeDisguisingCharacters("a\u0000b\u0007c\u2066d\u2069\ufeff")).toBe("abcd");
    expect(removeDisguisingCharacters("line\n\tnext")).toBe("line\n\tnext");
    const family = "\u{1F468}\u200d\u{1F469}\u200d\u{1F467}";
    expect(removeDisguisingCharacters(family)).toBe(family);
  });
});
