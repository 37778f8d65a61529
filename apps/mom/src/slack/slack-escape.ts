/**
 * Slack's control characters: `&`, `<` and `>` start entities, mentions
 * (`<@U123>`, `<!channel>`, `<!subteam^S1>`), channel links (`<#C123>`) and
 * masked links (`<https://evil|https://slack.com>`). Slack documents escaping
 * exactly these three as `&amp;`, `&lt;` and `&gt;`. `&` goes first, so text
 * that already reads `&lt;` is shown as written, never turned into `<`.
 */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Characters that change how text looks without being seen: C0 controls
 * (but tab, newline and carriage return), DEL, zero-width space, word joiner
 * and invisible operators, soft hyphen, BOM, and the bidirectional embeddings,
 * overrides and isolates that can make a URL or command read backwards.
 * Zero-width joiners and non-joiners stay: emoji and several scripts need them.
 */
const DISGUISING_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u00ad\u180e\u200b\u2060-\u2064\ufeff\u202a-\u202e\u2066-\u2069]/g;

/** Removes {@link DISGUISING_CHARACTERS} from text that mom did not write. */
export function removeDisguisingCharacters(text: string): string {
  return text.replace(DISGUISING_CHARACTERS, "");
}
