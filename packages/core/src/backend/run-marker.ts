import { randomBytes } from "node:crypto";

/**
 * The environment variable that tags every process a backend starts.
 *
 * Each command gets a unique value in its environment; every process it
 * starts inherits it, even after `setsid`, `nohup` or a double fork, so a
 * scan of `/proc/<pid>/environ` finds them all (the trick of Jenkins'
 * ProcessTreeKiller). A process that deliberately clears its environment
 * escapes the scan; backends also kill the process group for that reason.
 */
export const RUN_MARKER_VARIABLE = "MONOCLAW_RUN_ID";

const MARKER_PATTERN = /^[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+\.)*$/;

/**
 * A fresh marker value, e.g. `mc3f9a2c17be04.`; nested under `inherited`
 * (pass `process.env.MONOCLAW_RUN_ID`) when that is a marker.
 *
 * Marker values are dot-terminated paths: a child (`childRunMarker`) starts
 * with its parent, so killing by the parent's value also ends every child's
 * processes, while no marker is a prefix of an unrelated one.
 */
export function newRunMarker(inherited?: string): string {
  const fresh = `mc${randomBytes(6).toString("hex")}.`;
  // Nested under the marker MonoClaw itself runs with (MonoClaw started by a
  // MonoClaw command), so ending the outer command also ends what this one starts.
  return inherited !== undefined && MARKER_PATTERN.test(inherited) ? `${inherited}${fresh}` : fresh;
}

/** The marker of a child (a command of a session, ...): `parent` + `label` + `.`. */
export function childRunMarker(parent: string, label: string | number): string {
  return assertRunMarker(`${parent}${label}.`);
}

/** Throws when `marker` is not a value made by `newRunMarker`/`childRunMarker` (so it is safe to embed in a script). */
export function assertRunMarker(marker: string): string {
  if (!MARKER_PATTERN.test(marker)) {
    throw new TypeError(`Invalid run marker ${JSON.stringify(marker)}: expected letters, digits, '_' or '-' segments each ending in '.'`);
  }
  return marker;
}

/** The environment entry that tags a command's processes with `marker`. */
export function runMarkerEnv(marker: string): Record<string, string> {
  return { [RUN_MARKER_VARIABLE]: assertRunMarker(marker) };
}
