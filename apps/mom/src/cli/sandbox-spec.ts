import { MomStartupError } from "./mom-startup-error.js";

/**
 * Where mom's tools run: on this machine, in an existing container (attached
 * by name), or in one container per channel that mom manages (`image`: from
 * the command line; otherwise `terminal.docker.image` or alpine).
 */
export type SandboxSpec =
  | { kind: "host" }
  | { kind: "docker"; container: string /** `--allow-dangerous-sandbox`: use it even when privileged or holding an engine socket. */; allowDangerous?: boolean }
  | { kind: "docker-per-channel"; image?: string };

/** The forms where every channel shares one backend (`openSandbox`). */
export type SharedSandboxSpec = Exclude<SandboxSpec, { kind: "docker-per-channel" }>;

const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** An image reference: `[registry[:port]/]name[:tag][@digest]`, lower-case repository. */
const IMAGE_REFERENCE = /^[a-z0-9][a-z0-9._\-/:]*[a-z0-9](?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$|^[a-z0-9]$/;
const PER_CHANNEL = "docker-per-channel";

const FORMS =
  "Use --sandbox=host (tools run on this machine), --sandbox=docker:<container> (tools run in that container; create it with ./docker.sh create <data-dir>) or --sandbox=docker-per-channel[:<image>] (mom makes one container per channel).";

/** Parses `--sandbox`: `host`, `docker:<container>` or `docker-per-channel[:<image>]`. */
export function parseSandbox(value: string): SandboxSpec {
  if (value === "host") return { kind: "host" };
  if (value === PER_CHANNEL) return { kind: PER_CHANNEL };
  if (value.startsWith(`${PER_CHANNEL}:`)) {
    const image = value.slice(PER_CHANNEL.length + 1);
    if (!IMAGE_REFERENCE.test(image)) {
      throw new MomStartupError(
        `--sandbox=${value}: ${image === "" ? "the image is missing" : `'${image}' is not an image reference`}. Use --sandbox=docker-per-channel:<image>, e.g. --sandbox=docker-per-channel:alpine:latest, or leave the image out (terminal.docker.image, else alpine:latest).`,
      );
    }
    return { kind: PER_CHANNEL, image };
  }
  if (value.startsWith("docker:")) {
    const container = value.slice("docker:".length);
    if (!CONTAINER_NAME.test(container)) {
      throw new MomStartupError(
        `--sandbox=${value}: ${container === "" ? "the container name is missing" : `'${container}' is not a valid container name`}. Use --sandbox=docker:<container>, e.g. --sandbox=docker:mom-sandbox (create it with ./docker.sh create <data-dir>).`,
      );
    }
    return { kind: "docker", container };
  }
  throw new MomStartupError(`unknown sandbox '${value}'. ${FORMS}`);
}
