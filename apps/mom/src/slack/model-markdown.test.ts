import { describe, expect, it } from "vitest";
import { markdownToMrkdwn } from "./model-markdown.js";

/** What must hold for any text mom did not write: no raw `<` or `>`, and every `&` starts an entity. */
function expectInert(mrkdwn: string): void {
  expect(mrkdwn).not.toMatch(/[<>]/);
  expect(mrkdwn.replace(/&(amp|lt|gt);/g, "")).not.toContain("&");
}

describe("markdownToMrkdwn never lets the model mention anyone or disguise a link", () => {
  it.each([
    ["a channel mention", "<!channel> look"],
    ["here", "<!here>"],
    ["everyone", "<!everyone>"],
    ["a user mention", "ping <@U123>"],
    ["a channel link", "see <#C123>"],
    ["a user group", "<!subteam^S123|@ops>"],
    ["a masked link", "see <https://evil.example|https://slack.com>"],
    ["a date token", "<!date^1392734382^{date}|fallback>"],
    ["a zero-width space inside", "<\u200b!channel> <!chan\u200bnel>"],
    ["already escaped text", "&lt;!channel&gt;"],
    ["bold", "**<!here>**"],
    ["inline code", "`<!here>`"],
    ["a code block", "```\n<!here>\n<https://evil|https://slack.com>\n```"],
    ["a code block with a language", "```html\n<b>hi</b>\n```"],
    ["an unclosed code block", "```\n<!here>"],
    ["a link label", "[<!here>](https://example.com)"],
    ["a link target", "[docs](https://evil.example|https://slack.com>)"],
    ["a heading", "# <!channel> news"],
    ["a bullet", "- <@U123>"],
    ["a quote", "> <!here>"],
    ["Windows newlines", "<!here>\r\n<!channel>"],
  ])("keeps %s inert", (_what, markdown) => expectInert(markdownToMrkdwn(markdown)));

  it("shows already-escaped text as the model wrote it (& escaped first)", () => {
    expect(markdownToMrkdwn("&lt;!channel&gt; &amp;")).toBe("&amp;lt;!channel&amp;gt; &amp;amp;");
  });

  it("keeps random mixtures of markup characters inert", () => {
    const alphabet = ["<", ">", "&", "!", "@", "#", "|", "*", "_", "~", "`", "[", "]", "(", ")", "\n", " ", "a", "h", "t", ":", "/", "\u200b", "lt;", "amp;"];
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let round = 0; round < 2000; round += 1) {
      const text = Array.from({ length: 1 + (next() % 40) }, () => alphabet[next() % alphabet.length]).join("");
      expectInert(markdownToMrkdwn(text));
    }
  });
});

describe("markdownToMrkdwn keeps the model's text readable", () => {
  it.each([
    ["bold", "this is **important**", "this is *important*"],
    ["underscore bold", "__also__ bold", "*also* bold"],
    ["italic", "an *aside* here", "an _aside_ here"],
    ["underscore italic stays", "an _aside_ here", "an _aside_ here"],
    ["strike", "~~old~~ new", "~old~ new"],
    ["bold italic", "***both***", "*_both_*"],
    ["heading", "## Results **now**", "*Results now*"],
    ["bullets", "- one\n* two\n  + nested", "• one\n• two\n  • nested"],
    ["numbered lists stay", "1. first\n2. second", "1. first\n2. second"],
    ["inline code is untouched", "run `a **b** <c>`", "run `a **b** &lt;c&gt;`"],
    ["a code block loses its language tag", "```ts\nconst a = 1 < 2 && **x**;\n```", "```\nconst a = 1 &lt; 2 &amp;&amp; **x**;\n```"],
    ["a one-line code block", "```echo <hi>```", "```echo &lt;hi&gt;```"],
    ["a markdown link shows its real address", "read [the docs](https://example.com/docs)", "read the docs (https://example.com/docs)"],
    ["a link whose label is its address", "[https://example.com](https://example.com)", "https://example.com"],
    ["a disguised markdown link is no longer disguised", "[https://slack.com](https://evil.example)", "https://slack.com (https://evil.example)"],
    ["an autolink becomes a plain URL", "see <https://example.com/a?b=1>", "see https://example.com/a?b=1"],
    ["a plain URL stays a URL", "see https://example.com/x", "see https://example.com/x"],
    ["arithmetic is not italic", "2 * 3 * 4", "2 * 3 * 4"],
    ["snake_case is not italic", "call snake_case_name now", "call snake_case_name now"],
    ["a rule", "---", "──────────"],
  ])("%s", (_what, markdown, mrkdwn) => expect(markdownToMrkdwn(markdown)).toBe(mrkdwn));
});
