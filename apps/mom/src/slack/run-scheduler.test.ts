import { describe, expect, it } from "vitest";
import { RunScheduler } from "./run-scheduler.js";

/** Waits until `condition` holds (the scheduler starts jobs asynchronously); fails after 5 s rather than guessing a delay. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not reached within 5 s");
    await new Promise((r) => setImmediate(r));
  }
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe("run scheduler", () => {
  it("runs one job per channel in order, channels in parallel, under a global cap", async () => {
    const scheduler = new RunScheduler({ maxConcurrent: 2 });
    const log: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const job = (name: string) => async () => {
      log.push(`start ${name}`);
      const g = gate();
      gates.set(name, g);
      await g.promise;
      log.push(`end ${name}`);
    };
    expect(scheduler.submit("A", job("a1"))).toEqual({ accepted: true, ahead: 0 });
    expect(scheduler.submit("A", job("a2"))).toEqual({ accepted: true, ahead: 1 });
    expect(scheduler.submit("B", job("b1"))).toEqual({ accepted: true, ahead: 0 });
    expect(scheduler.submit("C", job("c1"))).toEqual({ accepted: true, ahead: 0 });
    await until(() => log.length === 2);
    expect(log).toEqual(["start a1", "start b1"]);
    gates.get("a1")!.open();
    await until(() => log.length === 4);
    // C waited longer for a slot than A's second job
    expect(log).toEqual(["start a1", "start b1", "end a1", "start c1"]);
    gates.get("b1")!.open();
    await until(() => log.length === 6);
    expect(log.slice(4)).toEqual(["end b1", "start a2"]);
    gates.get("c1")!.open();
    gates.get("a2")!.open();
    await scheduler.idle();
    expect(log.filter((l) => l.startsWith("end"))).toHaveLength(4);
  });

  it("stop aborts the running job only; waiting ones still run; overflow is refused with a reason", async () => {
    const scheduler = new RunScheduler({ maxConcurrent: 1, maxQueuedPerChannel: 1 });
    const ran: string[] = [];
    scheduler.submit(
      "A",
      (signal) =>
        new Promise<void>((resolve) =>
          signal.addEventListener("abort", () => {
            ran.push("aborted");
            resolve();
          }),
        ),
    );
    scheduler.submit("A", async () => {
      ran.push("second");
    });
    const refused = scheduler.submit("A", async () => {
      ran.push("third");
    });
    expect(refused).toEqual({ accepted: false, reason: "1 request is already waiting in this channel" });
    await until(() => scheduler.isRunning("A"));
    expect(scheduler.stop("A")).toBe(true);
    await scheduler.idle();
    expect(ran).toEqual(["aborted", "second"]);
    expect(scheduler.stop("A")).toBe(false);
  });
});
