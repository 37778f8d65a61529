import { describe, expect, it } from "vitest";
import { SlackCutoff, SlackCutoffError } from "./slack-cutoff.js";

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe("SlackCutoff", () => {
  it("lets a slow Slack call finish before the grace begins", async () => {
    const cutoff = new SlackCutoff();
    await expect(cutoff.bound(after(300, "answered"))).resolves.toBe("answered");
    await expect(cutoff.bound(() => Promise.reject(new Error("refused")))).rejects.toThrow("refused");
  });

  it("gives up a call Slack never answers once the grace is over, and starts no new call after it", async () => {
    const cutoff = new SlackCutoff();
    const quick = cutoff.bound(after(50, "posted"));
    const never = cutoff.bound(new Promise<string>(() => undefined));
    const started = Date.now();
    cutoff.begin(400);
    await expect(quick).resolves.toBe("posted"); // positive control: within the grace Slack's answer still counts
    await expect(never).rejects.toBeInstanceOf(SlackCutoffError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    let called = false;
    await expect(
      cutoff.bound(() => {
        called = true;
        return Promise.resolve("late");
      }),
    ).rejects.toBeInstanceOf(SlackCutoffError);
    expect(called).toBe(false);
  });

  it("keeps the first deadline when begin is called again", async () => {
    const cutoff = new SlackCutoff();
    cutoff.begin(200);
    cutoff.begin(60_000);
    const started = Date.now();
    await expect(cutoff.bound(new Promise(() => undefined))).rejects.toBeInstanceOf(SlackCutoffError);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
