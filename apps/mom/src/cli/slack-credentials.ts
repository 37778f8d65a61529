import { MomStartupError } from "./mom-startup-error.js";

type Env = Readonly<Record<string, string | undefined>>;

/** The Slack settings mom reads from the environment. */
export interface SlackCredentials {
  botToken: string;
  /** Socket Mode token; absent in HTTP Events API mode. */
  appToken?: string;
  /** HTTP Events API mode: the request signing secret. */
  signingSecret?: string;
  /** Web API base URL (ends in `/`); absent: Slack's own. */
  apiUrl?: string;
}

/**
 * Reads and checks MOM_SLACK_BOT_TOKEN (xoxb-), MOM_SLACK_APP_TOKEN (xapp-,
 * Socket Mode) or MOM_SLACK_SIGNING_SECRET (HTTP Events API), and
 * MOM_SLACK_API_URL. Each problem is one MomStartupError naming the variable
 * and the fix; a token is never echoed beyond its first characters.
 */
export function readSlackCredentials(env: Env): SlackCredentials {
  const botToken = env.MOM_SLACK_BOT_TOKEN?.trim();
  const appToken = env.MOM_SLACK_APP_TOKEN?.trim();
  const signingSecret = env.MOM_SLACK_SIGNING_SECRET?.trim();

  if (!botToken) {
    throw new MomStartupError(
      "MOM_SLACK_BOT_TOKEN is not set. Export the app's Bot User OAuth Token (xoxb-..., under OAuth & Permissions): export MOM_SLACK_BOT_TOKEN=xoxb-...",
    );
  }
  checkPrefix("MOM_SLACK_BOT_TOKEN", botToken, "xoxb-", "the Bot User OAuth Token (OAuth & Permissions)");
  if (!appToken && !signingSecret) {
    throw new MomStartupError(
      "MOM_SLACK_APP_TOKEN is not set. mom connects in Socket Mode with an app-level token (xapp-..., under Basic Information > App-Level Tokens, scope connections:write): export MOM_SLACK_APP_TOKEN=xapp-... (or set MOM_SLACK_SIGNING_SECRET to receive events over HTTP instead).",
    );
  }
  if (appToken) checkPrefix("MOM_SLACK_APP_TOKEN", appToken, "xapp-", "an app-level token (Basic Information > App-Level Tokens)");

  let apiUrl: string | undefined;
  const rawUrl = env.MOM_SLACK_API_URL?.trim();
  if (rawUrl) {
    let parsed: URL;
    try {
      parsed = new URL(rawUrl);
    } catch {
      throw new MomStartupError(`MOM_SLACK_API_URL is '${rawUrl}', which is not a URL. Give the Web API base URL, e.g. https://slack.com/api/`);
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      throw new MomStartupError(`MOM_SLACK_API_URL must be an http(s) URL, e.g. https://slack.com/api/ (got ${parsed.protocol}).`);
    }
    apiUrl = parsed.href.endsWith("/") ? parsed.href : `${parsed.href}/`;
  }
  return {
    botToken,
    ...(appToken ? { appToken } : {}),
    ...(signingSecret && !appToken ? { signingSecret } : {}),
    ...(apiUrl ? { apiUrl } : {}),
  };
}

function checkPrefix(name: string, value: string, prefix: string, what: string): void {
  if (value.startsWith(prefix) && value.length > prefix.length + 4) return;
  const shown = `${value.slice(0, 5)}…`;
  const swapped =
    (prefix === "xoxb-" && value.startsWith("xapp-")) || (prefix === "xapp-" && value.startsWith("xoxb-"))
      ? " It looks like MOM_SLACK_BOT_TOKEN and MOM_SLACK_APP_TOKEN are swapped."
      : "";
  throw new MomStartupError(`${name} is malformed: it must be ${what}, starting with ${prefix} (it starts with ${shown}).${swapped}`);
}
