// Timing helpers shared by the benchmark scripts: sample an async step,
// spawn a command to its exit, format milliseconds.
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { stats } from "./stats.mjs";

/** Milliseconds for a table cell: two decimals below 10 ms, one above. */
export const ms = (value) => (value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(1)} ms`);

/** Spawns `command` with its output ignored; resolves when it exits 0, rejects (naming the command) otherwise. */
export const spawnToExit = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "ignore", ...options });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited ${code}`))));
  });

/** Wall time of one call of `fn`, in ms. */
export async function timeOnce(fn) {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** `stats` of `runs` timed calls of `fn(i)`, after `warmup` calls that are not counted. */
export async function time(runs, warmup, fn) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await timeOnce(() => fn(i)));
  return stats(samples);
}
