import { describe, expect, it } from "vitest";
import { SlackMessage, slack } from "./slack-message.js";

describe("SlackMessage", () => {
  it("keeps mom's own markup live and escapes every value put into it", () => {
    const bot = "UBOT";
    expect(slack`Queued (<@${bot}> stop ends the running one).`.toMrkdwn()).toBe("Queued (<@UBOT> stop ends the running one).");
    expect(slack`*bash* ${"<!here>"} exit ${1}`.toMrkdwn()).toBe("*bash* &lt;!here&gt; exit 1");
    expect(slack`${SlackMessage.markup("<!here>")}`.toMrkdwn()).toBe("<!here>");
  });

  it("escapes a value that tries to close mom's markup early", () => {
    expect(slack`<@${"UBOT> <!channel"}>`.toMrkdwn()).toBe("<@UBOT&gt; &lt;!channel>");
  });

  it("puts tool output in a code block it cannot end early, even with a zero-width space before the fence", () => {
    const output = SlackMessage.codeBlock("line\n`\u200b``\n*not bold* <!here>\n```").toMrkdwn();
    expect(output.startsWith("```\n")).toBe(true);
    expect(output.endsWith("\n```")).toBe(true);
    expect(output.slice(4, -4)).not.toContain("```");
    expect(output).toContain("&lt;!here&gt;");
  });

  it("shows a title as one line of inline code", () => {
    expect(SlackMessage.inlineCode("echo `<!here>`\n  next").toMrkdwn()).toBe("`echo '&lt;!here&gt;' next`");
  });

  it("redacts before escaping, so a secret holding & or < is still caught", () => {
    const redact = (text: string) => text.replaceAll("pw&<secret", "[REDACTED:DB_PASSWORD]");
    for (const message of [
      SlackMessage.text("x pw&<secret"),
      SlackMessage.markdown("**pw&<secret**"),
      SlackMessage.codeBlock("pw&<secret"),
      SlackMessage.inlineCode("pw&<secret"),
    ]) {
      const mrkdwn = message.toMrkdwn(redact);
      expect(mrkdwn).toContain("[REDACTED:DB_PASSWORD]");
      expect(mrkdwn).not.toContain("secret");
    }
  });
});
