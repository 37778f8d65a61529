/**
 * Splits a dotted key path (`terminal.docker.image`) into its segments.
 * Returns undefined for an empty path or an empty segment (`terminal..x`).
 */
export function parseKeyPath(key: string): string[] | undefined {
  const segments = key.split(".");
  return segments.every((segment) => segment.length > 0) ? segments : undefined;
}

export function formatKeyPath(segments: readonly PropertyKey[]): string {
  return segments.map(String).join(".");
}

/** The value at `segments` in plain data, or undefined. Numeric segments index arrays. */
export function valueAtPath(data: unknown, segments: readonly PropertyKey[]): unknown {
  let current = data;
  for (const segment of segments) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment as string];
  }
  return current;
}
