import { describe, expect, it } from "vitest";
import { EventChannel } from "./event-channel.js";

describe("EventChannel", () => {
  it("delivers pushed items in order, then ends", async () => {
    const channel = new EventChannel<number>();
    channel.push(1);
    setTimeout(() => {
      channel.push(2);
      channel.end();
      channel.push(3);
    }, 10);
    const seen: number[] = [];
    for await (const item of channel) seen.push(item);
    expect(seen).toEqual([1, 2]);
  });

  it("drained() waits until the consumer has handled what was pushed and asks for more", async () => {
    const channel = new EventChannel<string>();
    const handled: string[] = [];
    const consumer = (async () => {
      for await (const item of channel) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        handled.push(item);
      }
    })();
    channel.push("tool-start");
    await channel.drained();
    expect(handled).toEqual(["tool-start"]);
    channel.end();
    await consumer;
  });

  it("calls onReturn when the consumer stops early", async () => {
    let stopped = false;
    const channel = new EventChannel<number>(() => (stopped = true));
    channel.push(1);
    channel.push(2);
    for await (const item of channel) if (item === 1) break;
    expect(stopped).toBe(true);
    await channel.drained();
  });
});
