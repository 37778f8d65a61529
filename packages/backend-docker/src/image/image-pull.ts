import type Docker from "dockerode";
import { BackendError } from "@monoclaw/core/backend";

/** One progress event from the engine (`docker pull` / `docker build` JSON stream). */
export interface ProgressEvent {
  id?: string;
  status?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

export type PullPolicy = "missing" | "always" | "never";

/**
 * The "Image not found" guidance of the product page, for one image. The build
 * suggestion tags the image exactly as configured (a digest cannot be a tag, so
 * it is left off), so following it makes the configured reference resolve.
 */
export function imageNotFoundFix(image: string): string {
  return `Run \`docker pull ${image}\` or build your custom image (\`monoclaw image build -t ${image.split("@")[0]}\` with docker/Dockerfile.monoclaw), then try again`;
}

export async function imageExists(docker: Docker, image: string): Promise<boolean> {
  return (await inspectImage(docker, image)) !== undefined;
}

/** The local image's inspect data, or undefined when it is not present. */
async function inspectImage(docker: Docker, image: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(image).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

/**
 * Makes sure `image` is present according to the pull policy and returns its
 * inspect data (the container config hash includes the image id). Pull progress
 * goes to `onProgress`. Rejects with `UNAVAILABLE` and the "Image not found"
 * guidance when the image is missing and cannot be pulled; never falls back to
 * another image.
 */
export async function ensureImage(
  docker: Docker,
  image: string,
  policy: PullPolicy,
  onProgress?: (event: ProgressEvent) => void,
): Promise<Docker.ImageInspectInfo> {
  const local = await inspectImage(docker, image);
  if (local !== undefined && policy !== "always") return local;
  if (local === undefined && policy === "never") {
    throw new BackendError("UNAVAILABLE", `Image not found: ${image} is not present and terminal.docker.pull is "never". ${imageNotFoundFix(image)}`);
  }
  onProgress?.({ status: `Pulling ${image}${local !== undefined ? "" : " (not present locally)"}` });
  try {
    await pullImage(docker, image, onProgress);
  } catch (error) {
    if (local !== undefined) return local; // `always` with a local copy: keep working offline with what we have.
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new BackendError("UNAVAILABLE", `Image not found: ${image} is not present and pulling it failed (${reason}). ${imageNotFoundFix(image)}`, {
      cause: error,
    });
  }
  return docker.getImage(image).inspect();
}

/** Pulls an image, forwarding progress events; rejects with the engine's error. */
export async function pullImage(docker: Docker, image: string, onProgress?: (event: ProgressEvent) => void): Promise<void> {
  const stream = (await docker.pull(image)) as NodeJS.ReadableStream;
  await followProgress(docker, stream, onProgress);
}

/** Reads an engine JSON progress stream to its end; rejects on an `error` event. */
export function followProgress(docker: Docker, stream: NodeJS.ReadableStream, onProgress?: (event: ProgressEvent) => void): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, events: ProgressEvent[]) => {
        if (error) return reject(error);
        const failed = events.find((event) => event.error);
        if (failed) return reject(new Error(failed.errorDetail?.message ?? failed.error));
        resolve(events);
      },
      (event: ProgressEvent) => onProgress?.(event),
    );
  });
}
