import { markdownToMrkdwn } from "./model-markdown.js";
import { escapeSlackText, removeDisguisingCharacters } from "./slack-escape.js";
import { codeBlock, inlineCode } from "./slack-text.js";

/**
 * Who wrote a part, and so how it is sent: `markup` is mom's own mrkdwn
 * (live mentions, links, formatting); every other kind is text mom did not
 * write (the model's answer, tool output, error messages, file titles) and
 * is escaped so it can only ever be read, never mention or link anything.
 */
type Part = { kind: "markup" | "text" | "markdown" | "code-block" | "inline-code"; text: string };

/**
 * A Slack message assembled from parts whose origin is known. Build it with
 * the {@link slack} template (literal text is mom's markup, `${values}` are
 * shown as written) or the static constructors; `SlackOutput` takes a plain
 * string as the model's markdown. Nothing else reaches Slack.
 */
export class SlackMessage {
  private constructor(private readonly parts: readonly Part[]) {}

  /** mom's own mrkdwn, posted as written: its mentions (`<@U123>`) and links stay live. */
  static markup(text: string): SlackMessage {
    return new SlackMessage([{ kind: "markup", text }]);
  }

  /** Text shown exactly as written (an error message, a command, a file title). */
  static text(text: string): SlackMessage {
    return new SlackMessage([{ kind: "text", text }]);
  }

  /** The model's markdown: formatting converted, no live mention or masked link (see `markdownToMrkdwn`). */
  static markdown(text: string): SlackMessage {
    return new SlackMessage([{ kind: "markdown", text }]);
  }

  /** Text in a code block that it cannot end early. */
  static codeBlock(text: string): SlackMessage {
    return new SlackMessage([{ kind: "code-block", text }]);
  }

  /** Text as one line of inline code (shortened past 200 characters). */
  static inlineCode(text: string): SlackMessage {
    return new SlackMessage([{ kind: "inline-code", text }]);
  }

  static concat(messages: readonly SlackMessage[]): SlackMessage {
    return new SlackMessage(messages.flatMap((message) => message.parts));
  }

  /**
   * The mrkdwn to send. `redact` runs on every part mom did not write before
   * it is escaped (escaping first would hide a secret holding `&` from the
   * redactor), and once more on the whole.
   */
  toMrkdwn(redact: (text: string) => string = (text) => text): string {
    return redact(this.parts.map((part) => renderPart(part, redact)).join(""));
  }
}

function renderPart(part: Part, redact: (text: string) => string): string {
  if (part.kind === "markup") return part.text;
  if (part.kind === "markdown") return markdownToMrkdwn(redact(part.text));
  const text = removeDisguisingCharacters(redact(part.text));
  if (part.kind === "code-block") return escapeSlackText(codeBlock(text));
  if (part.kind === "inline-code") return escapeSlackText(inlineCode(text));
  return escapeSlackText(text);
}

/**
 * Builds a message: the template's literal text is mom's markup; each
 * `${value}` is text shown as written, unless it is a {@link SlackMessage}.
 *
 *     slack`*${toolName}* ${SlackMessage.inlineCode(title)} (exit ${code})`
 *     slack`Queued (<@${botUserId}> stop ends the running one).`
 */
export function slack(strings: TemplateStringsArray, ...values: ReadonlyArray<string | number | SlackMessage>): SlackMessage {
  const parts: SlackMessage[] = [];
  strings.forEach((literal, index) => {
    if (literal !== "") parts.push(SlackMessage.markup(literal));
    if (index < values.length) {
      const value = values[index]!;
      parts.push(value instanceof SlackMessage ? value : SlackMessage.text(String(value)));
    }
  });
  return SlackMessage.concat(parts);
}
