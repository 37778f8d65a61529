import { InvalidArgumentError } from "commander";

/** Parses `--timeout <seconds>`: a number greater than 0 (fractions allowed). */
export function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (value.trim() === "" || !Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidArgumentError(`expected a number of seconds greater than 0, e.g. 30 or 0.5; got "${value}".`);
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
