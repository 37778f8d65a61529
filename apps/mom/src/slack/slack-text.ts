/** Slack accepts 40,000 characters per message but renders long ones poorly; parts stay under this. */
export const MESSAGE_PART_CHARS = 3500;

/**
 * Splits text into parts of at most `max` characters, preferring paragraph,
 * then line, then word boundaries. Nothing is dropped but the one blank,
 * newline or space each cut falls on. Code fences left
 * open by a cut are closed at the end of the part and reopened in the next.
 */
export function splitMessage(text: string, max = MESSAGE_PART_CHARS): string[] {
  if (text.length <= max) return [text];
  const parts: string[] = [];
  let rest = text;
  let reopenFence = false;
  while (rest.length > 0) {
    const budget = max - (reopenFence ? 4 : 0) - 4;
    let part: string;
    if (rest.length <= budget) {
      part = rest;
      rest = "";
    } else {
      const [end, next] = bestCut(rest.slice(0, budget));
      part = rest.slice(0, end);
      rest = rest.slice(next);
    }
    let body: string = reopenFence ? `\`\`\`\n${part}` : part;
    const open: boolean = (body.match(/```/g)?.length ?? 0) % 2 === 1;
    if (open && rest.length > 0) body += "\n```";
    reopenFence = open && rest.length > 0;
    parts.push(body);
  }
  return parts;
}

/** Where to end a part and where the next one starts (the separator between them is dropped). */
function bestCut(window: string): [number, number] {
  const min = Math.floor(window.length / 2);
  for (const separator of ["\n\n", "\n", " "]) {
    const at = window.lastIndexOf(separator);
    if (at >= min) return [at, at + separator.length];
  }
  // A hard cut never splits an entity such as `&amp;` (it would show as `&am` and `p;`).
  const entity = /&[a-z]{0,4}$/.exec(window);
  if (entity && entity.index > 0) return [entity.index, entity.index];
  return [window.length, window.length];
}

/**
 * Shortens tool output for a thread reply: keeps the first and last lines
 * within `maxChars` and says how much was left out (and where the rest is,
 * when known). Never cuts silently.
 */
export function shortenOutput(output: string, maxChars = 1500, fullOutputHint?: string, alreadyLeftOut = 0): string {
  if (output.length <= maxChars) return output;
  const headChars = Math.floor(maxChars * 0.6);
  const tailChars = maxChars - headChars;
  let head = output.slice(0, headChars);
  let tail = output.slice(output.length - tailChars);
  const headNewline = head.lastIndexOf("\n");
  if (headNewline > headChars / 2) head = head.slice(0, headNewline);
  const tailNewline = tail.indexOf("\n");
  if (tailNewline >= 0 && tailNewline < tailChars / 2) tail = tail.slice(tailNewline + 1);
  // `alreadyLeftOut`: what the tool had cut before (a 50 MB output reaches us as its head and tail).
  const omitted = output.length - head.length - tail.length + alreadyLeftOut;
  const lines = `${output.slice(head.length, output.length - tail.length).split("\n").length - 1}${alreadyLeftOut > 0 ? "+" : ""}`;
  const where = fullOutputHint ? `; ${fullOutputHint}` : "";
  return `${head}\n… ${omitted} characters (${lines} lines) left out${where} …\n${tail}`;
}

/** Text as one line of inline code, shortened past 200 characters (a backtick would end it early: shown as `'`). */
export function inlineCode(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  const short = oneLine.length > 200 ? `${oneLine.slice(0, 200)}… (${oneLine.length - 200} more characters)` : oneLine;
  return `\`${short.replace(/`/g, "'")}\``;
}

/** Escapes text for a Slack code block (a stray ``` would end it early). */
export function codeBlock(text: string): string {
  const safe = text.replace(/```/g, "`\u200b``");
  return `\`\`\`\n${safe.length > 0 ? safe : " "}\n\`\`\``;
}

/** Removes the bot's own mention from a message text. */
export function stripMention(text: string, botUserId: string): string {
  return text.replaceAll(`<@${botUserId}>`, "").trim();
}
