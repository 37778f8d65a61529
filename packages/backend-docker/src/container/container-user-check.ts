import type Docker from "dockerode";
import { BackendError, type HealthCheck } from "@monoclaw/core/backend";
import { engineMessage } from "../engine/engine-errors.js";
import { runContainerExec } from "../exec/container-exec.js";

/** What the engine (Docker and Podman alike) says when the image's /etc/passwd or /etc/group lacks the name. */
const NOT_IN_IMAGE = /unable to find (user|group) (.+?): no matching entries in (?:passwd|group) file/;

/** A uid or uid:gid: the engine takes numbers as they are, whether or not the image lists them. */
const NUMERIC_USER = /^\d+(:\d+)?$/;

/** Whether the engine must look `user` up in the image (a name, or a group name), so it may be missing there. */
export function userNeedsLookup(user: string | undefined): user is string {
  return user !== undefined && !NUMERIC_USER.test(user);
}

/** The one-line refusal for a user or group the image does not have, naming the key and the fix; undefined for other engine text. */
export function missingUserMessage(engineText: string, image: string): string | undefined {
  const match = NOT_IN_IMAGE.exec(engineText);
  if (!match) return undefined;
  return (
    `terminal.docker.user: ${match[1]} "${match[2]}" does not exist in image ${image}; ` +
    "give a user the image has (its /etc/passwd), a numeric uid such as 1000 or 1000:1000, or host for your own uid:gid " +
    "(`monoclaw config set terminal.docker.user host`), or `monoclaw config unset terminal.docker.user` for the image's user"
  );
}

/**
 * Checks, right after the container is created, that the engine can run a
 * process as `user`: without it every exec fails with exit code 126 and the
 * user sees only "the session shell ended". Throws a BackendError (INVALID)
 * naming the key; numeric users are never looked up and pass at once.
 */
export async function assertContainerUserExists(docker: Docker, containerId: string, user: string | undefined, image: string): Promise<void> {
  if (!userNeedsLookup(user)) return;
  let output = "";
  const result = await runContainerExec(docker, containerId, {
    cmd: ["/bin/sh", "-c", ":"],
    user,
    onOutput: (_stream, chunk) => {
      if (output.length < 4096) output += Buffer.from(chunk).toString("utf8");
    },
  });
  if (result.exitCode === 0) return;
  const message = missingUserMessage(output, image);
  if (message !== undefined) throw new BackendError("INVALID", message);
}

/**
 * doctor's `docker.user` line: a throwaway container of the image started as
 * `user` (no network, nothing mounted, removed after) shows whether the
 * engine finds the user. Undefined when there is nothing to look up.
 */
export async function userHealthCheck(docker: Docker, user: string | undefined, image: string): Promise<HealthCheck | undefined> {
  if (!userNeedsLookup(user)) return undefined;
  let container: Docker.Container | undefined;
  try {
    container = await docker.createContainer({
      Image: image,
      Entrypoint: [],
      Cmd: ["/bin/sh", "-c", ":"],
      User: user,
      Labels: { "dev.monoclaw.probe": "user" },
      HostConfig: { NetworkMode: "none", CapDrop: ["ALL"], SecurityOpt: ["no-new-privileges:true"] },
    });
    await container.start();
    return { id: "docker.user", level: "ok", message: `user ${user} exists in image ${image}` };
  } catch (error) {
    const text = engineMessage(error);
    const missing = missingUserMessage(text, image);
    if (missing !== undefined) {
      const [problem, fix] = splitFix(missing);
      return { id: "docker.user", level: "fail", message: problem, fix };
    }
    return { id: "docker.user", level: "warn", message: `could not check user ${user} in image ${image}: ${text.split("\n")[0]}` };
  } finally {
    await container?.remove({ force: true }).catch(() => undefined);
  }
}

/** `problem; give ...` -> [problem, fix]. */
function splitFix(message: string): [string, string] {
  const at = message.indexOf("; ");
  return [message.slice(0, at), message.slice(at + 2)];
}
