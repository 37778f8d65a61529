/**
 * A reason mom cannot start, written for the person starting her: what is
 * wrong, where, and the fix. `mom` prints the message alone (no stack trace)
 * and exits with status 1, before connecting to Slack.
 */
export class MomStartupError extends Error {
  override readonly name = "MomStartupError";
}
