import type Docker from "dockerode";
import {
  LABEL_CONFIG_HASH,
  LABEL_CREATED_AT,
  LABEL_KEEP_WARM,
  LABEL_MANAGED_BY,
  LABEL_POOL,
  LABEL_SCOPE,
  LABEL_SCOPE_ID,
  LABEL_SCOPE_KIND,
  MANAGED_BY_VALUE,
  MANAGED_FILTER,
} from "./container-labels.js";
import { statusCodeOf } from "../engine/engine-errors.js";
import { LABEL_EGRESS_ROLE, removeEgressFor } from "../egress/egress-names.js";

/** A claimed pool member carries no session label (labels are fixed at creation): its session is in its name. */
const SESSION_NAME_PREFIX = "monoclaw-session-";

/** One container MonoClaw created, as `monoclaw sandbox ls` shows it. */
export interface ManagedContainerSummary {
  id: string;
  name: string;
  image: string;
  /** `running`, `exited`, `created`, `paused`... */
  state: string;
  /** The engine's human status, e.g. `Up 3 minutes`. */
  status: string;
  createdAt: Date;
  /** The host directory it was created for. */
  scope: string;
  /** What it serves (`directory` for containers made before scopes had a label). */
  scopeKind: string;
  /** Its session or channel id, when it serves one. */
  scopeId?: string;
  configHash: string;
  keepWarm: boolean;
  /** Made for the warm pool: still waiting in it (`monoclaw-pool-...`) or claimed by a session. */
  fromPool: boolean;
}

/**
 * Lists the containers carrying our `managed-by` label. The engine filters by
 * label and the result is checked again here: nothing without the label is
 * ever returned, so nothing without it is ever stopped or removed.
 */
export async function listManagedContainers(docker: Docker): Promise<ManagedContainerSummary[]> {
  const containers = await docker.listContainers({ all: true, filters: MANAGED_FILTER });
  return (
    containers
      // A sandbox's egress proxy is not a sandbox: it is listed, stopped and removed with its sandbox.
      .filter((c) => c.Labels?.[LABEL_MANAGED_BY] === MANAGED_BY_VALUE && c.Labels[LABEL_EGRESS_ROLE] === undefined)
      .map((c) => ({
        id: c.Id,
        name: (c.Names[0] ?? c.Id).replace(/^\//, ""),
        image: c.Image,
        state: c.State,
        status: c.Status,
        createdAt: new Date(c.Labels[LABEL_CREATED_AT] ?? c.Created * 1000),
        scope: c.Labels[LABEL_SCOPE] ?? "",
        scopeKind: c.Labels[LABEL_SCOPE_KIND] ?? "directory",
        ...(c.Labels[LABEL_SCOPE_ID] !== undefined ? { scopeId: c.Labels[LABEL_SCOPE_ID] } : {}),
        configHash: c.Labels[LABEL_CONFIG_HASH] ?? "",
        keepWarm: c.Labels[LABEL_KEEP_WARM] === "true",
        fromPool: c.Labels[LABEL_POOL] === "true",
      }))
      .map((c) =>
        c.fromPool && c.scopeId === undefined && c.name.startsWith(SESSION_NAME_PREFIX) ? { ...c, scopeId: c.name.slice(SESSION_NAME_PREFIX.length) } : c,
      )
      .sort((a, b) => a.name.localeCompare(b.name))
  );
}

export interface ReapOptions {
  /** Stopped containers idle longer than this are removed (0: stopped ones are kept). */
  maxAgeSeconds: number;
  now?: Date;
  /** A container left in `created` this long is a failed start and is removed. Default 10 minutes. */
  createdGraceSeconds?: number;
  /** Names never reaped (the container this process is about to use). */
  keep?: readonly string[];
  /** Narrows the candidates further (tests use a name prefix so parallel files never touch each other's). */
  only?: (container: ManagedContainerSummary) => boolean;
}

/**
 * Removes our own expired containers: stopped ones whose last stop (or
 * creation) is older than `maxAgeSeconds`, and ones stuck in `created`.
 * Running and paused containers are never reaped here (another process may be
 * using them); `sandbox stop` / `sandbox rm` do that on request. Returns the
 * names removed. Never throws for a container that vanished meanwhile.
 */
export async function reapExpiredContainers(docker: Docker, options: ReapOptions): Promise<string[]> {
  const now = (options.now ?? new Date()).getTime();
  const createdGrace = (options.createdGraceSeconds ?? 600) * 1000;
  const removed: string[] = [];
  for (const container of await listManagedContainers(docker)) {
    if (options.keep?.includes(container.name)) continue;
    if (options.only && !options.only(container)) continue;
    if (container.state !== "exited" && container.state !== "created" && container.state !== "dead") continue;
    let expired: boolean;
    if (container.state === "created") {
      expired = now - container.createdAt.getTime() > createdGrace;
    } else {
      if (options.maxAgeSeconds === 0) continue;
      const info = await docker
        .getContainer(container.id)
        .inspect()
        .catch(() => undefined);
      if (!info) continue;
      const finished = Date.parse(info.State.FinishedAt);
      const since = Number.isFinite(finished) && finished > 0 ? finished : container.createdAt.getTime();
      expired = now - since > options.maxAgeSeconds * 1000;
    }
    if (!expired) continue;
    if (await removeManaged(docker, container.id)) removed.push(container.name);
  }
  return removed;
}

/** Removes one of our containers (force); false when it was already gone. */
export async function removeManaged(docker: Docker, id: string): Promise<boolean> {
  try {
    const name = (await docker.getContainer(id).inspect()).Name.replace(/^\//, "");
    await docker.getContainer(id).remove({ force: true, v: true });
    await removeEgressFor(docker, name);
    return true;
  } catch (error) {
    const status = statusCodeOf(error);
    if (status === 404 || status === 409) return false;
    throw error;
  }
}
