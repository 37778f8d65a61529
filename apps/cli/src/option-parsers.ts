import { InvalidArgumentError } from "commander";
import { durationRangeText, isTimerDurationSeconds } from "@monoclaw/core/backend";

/**
 * Parses `--timeout <seconds>` with the rule `terminal.timeout` has (the same
 * range, the same words): fractions allowed, at most what a timer can wait for.
 */
export function parseSeconds(value: string): number {
  const seconds = value.trim() === "" ? Number.NaN : Number(value);
  if (!isTimerDurationSeconds(seconds)) {
    throw new InvalidArgumentError(
      `expected ${durationRangeText()}, e.g. 30 or 0.5; got "${value}". Fix: give a value in that range; run longer jobs in the background with their output in a file.`,
    );
  }
  return seconds;
}

/** A commander parser that accepts only the given names (`--backend`). */
export function parseChoice(names: readonly string[], what: string): (value: string) => string {
  return (value) => {
    if (!names.includes(value)) {
      throw new InvalidArgumentError(`"${value}" is not a ${what}; use one of: ${names.join(", ")}.`);
    }
    return value;
  };
}
