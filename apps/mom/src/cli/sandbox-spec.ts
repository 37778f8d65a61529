import { MomStartupError } from "./mom-startup-error.js";

/** Where mom's tools run: on this machine, or in an existing container (attached by name). */
export type SandboxSpec = { kind: "host" } | { kind: "docker"; container: string };

const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Parses `--sandbox`: `host` or `docker:<container>`. */
export function parseSandbox(value: string): SandboxSpec {
  if (value === "host") return { kind: "host" };
  if (value.startsWith("docker:")) {
    const container = value.slice("docker:".length);
    if (!CONTAINER_NAME.test(container)) {
      throw new MomStartupError(
        `--sandbox=${value}: ${container === "" ? "the container name is missing" : `'${container}' is not a valid container name`}. Use --sandbox=docker:<container>, e.g. --sandbox=docker:mom-sandbox (create it with ./docker.sh create <data-dir>).`,
      );
    }
    return { kind: "docker", container };
  }
  throw new MomStartupError(`unknown sandbox '${value}'. Use --sandbox=host (tools run on this machine) or --sandbox=docker:<container> (tools run in that container; create it with ./docker.sh create <data-dir>).`);
}
