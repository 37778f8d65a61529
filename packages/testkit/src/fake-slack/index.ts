export * from "./fake-slack.js";
export type * from "./fake-slack-types.js";
