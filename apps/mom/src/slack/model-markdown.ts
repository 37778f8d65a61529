import { escapeSlackText, removeDisguisingCharacters } from "./slack-escape.js";

const BOLD = "\u0001"; // a placeholder for Slack's `*` while single `*italic*` is converted (controls are removed from input first)

/**
 * The model's markdown as Slack mrkdwn that reads the same but can do nothing
 * more than text: `**bold**` and `# headings` become `*bold*`, `*italic*`
 * becomes `_italic_`, `~~x~~` becomes `~x~`, list markers become `•`, fenced
 * code blocks lose their language tag. Every `&`, `<` and `>` is escaped, so
 * `<!channel>`, `<@U123>` or `<https://evil|https://slack.com>` show as
 * written instead of notifying anyone or hiding a link; markdown links become
 * `label (url)`, so the real address is always visible (Slack still links a
 * plain URL). Invisible and bidirectional control characters are removed.
 */
export function markdownToMrkdwn(markdown: string): string {
  const lines = removeDisguisingCharacters(markdown).replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  let inFence = false;
  for (const line of lines) {
    const oneLine = /^\s*```(.+)```\s*$/.exec(line);
    if (oneLine && !inFence) {
      out.push(`\`\`\`${escapeSlackText(oneLine[1]!)}\`\`\``);
      continue;
    }
    const fence = /^\s*```(.*)$/.exec(line);
    if (fence) {
      const rest = fence[1]!;
      out.push("```");
      // An opening fence's language tag would show as the first line of code in Slack.
      if (!inFence && !/^[\w+#.-]*\s*$/.test(rest)) out.push(escapeSlackText(rest));
      if (inFence && rest.trim() !== "") out.push(convertLine(rest));
      inFence = !inFence;
      continue;
    }
    out.push(inFence ? escapeSlackText(line) : convertLine(line));
  }
  if (inFence) out.push("```");
  return out.join("\n");
}

function convertLine(line: string): string {
  const heading = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
  if (heading) return `*${convertInline(heading[1]!).replace(/\*/g, "")}*`;
  if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) return "──────────";
  const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
  if (bullet) return `${bullet[1]!}• ${convertInline(bullet[2]!)}`;
  return convertInline(line);
}

/** Inline code spans are kept (escaped); everything else gets the inline conversions. */
function convertInline(text: string): string {
  return text
    .split(/(`[^`\n]+`)/)
    .map((piece, index) => (index % 2 === 1 ? escapeSlackText(piece) : escapeSlackText(convertProse(piece))))
    .join("");
}

function convertProse(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, (_all, alt: string, url: string) => visibleLink(alt, url))
    .replace(/\[([^\]]+)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, (_all, label: string, url: string) => visibleLink(label, url))
    .replace(/<((?:https?|mailto):[^\s<>|]+)>/g, "$1")
    .replace(/\*\*\*(?=\S)(.+?)(?<=\S)\*\*\*/g, `${BOLD}_$1_${BOLD}`)
    .replace(/\*\*(?=\S)(.+?)(?<=\S)\*\*/g, `${BOLD}$1${BOLD}`)
    .replace(/(^|[^\w])__(?=\S)(.+?)(?<=\S)__(?!\w)/g, `$1${BOLD}$2${BOLD}`)
    .replace(/(^|[^\w*])\*([^\s*](?:[^*\n]*[^\s*])?)\*(?![\w*])/g, "$1_$2_")
    .replace(/~~(?=\S)(.+?)(?<=\S)~~/g, "~$1~")
    .replaceAll(BOLD, "*");
}

/** A link as Slack shows it when nothing may be disguised: the label and the real address. */
function visibleLink(label: string, url: string): string {
  const text = label.trim();
  return text === "" || text === url ? url : `${text} (${url})`;
}
