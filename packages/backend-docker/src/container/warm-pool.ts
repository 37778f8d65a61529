import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import { BackendError } from "@monoclaw/core/backend";
import { engineMessage, statusCodeOf } from "../engine/engine-errors.js";
import { LABEL_CONFIG_HASH, LABEL_CREATED_AT, LABEL_MANAGED_BY, LABEL_POOL, MANAGED_BY_VALUE } from "./container-labels.js";
import { removeManaged } from "./container-reaper.js";
import { withCreatedAt, type ContainerSpec } from "./container-spec.js";

/** Names of unclaimed pool members: `monoclaw-pool-<config hash>-<random>`; a claim renames the member to its session's name. */
export const POOL_NAME_PREFIX = "monoclaw-pool-";

interface PoolMember {
  id: string;
  name: string;
  createdAt: number;
}

/**
 * Waiting members made from this exact spec (same config hash, image id
 * included), oldest first. A waiting member is paused: its claim is the
 * unpause. A pool-named member that runs is being claimed right now (or its
 * claimer died before the rename): never a candidate.
 */
async function poolMembers(docker: Docker, configHash: string): Promise<PoolMember[]> {
  const listed = await docker.listContainers({
    filters: { label: [`${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`, `${LABEL_POOL}=true`, `${LABEL_CONFIG_HASH}=${configHash}`], status: ["paused"] },
  });
  return listed
    .map((c) => ({ id: c.Id, name: (c.Names[0] ?? "").replace(/^\//, ""), createdAt: Date.parse(c.Labels[LABEL_CREATED_AT] ?? "") || c.Created * 1000 }))
    .filter((m) => m.name.startsWith(POOL_NAME_PREFIX))
    .sort((a, b) => a.createdAt - b.createdAt);
}

/**
 * Takes one ready member of the pool for `spec.name`: unpauses it (the
 * claim), then renames it. Returns its id, or undefined when the pool has none
 * left (the caller creates a container as usual). The engine unpauses under
 * the container's lock and refuses a container that is not paused, so of
 * claims racing for one member exactly one wins, with one API call and no
 * process started in the container (the rename alone is no lock: it renames
 * whatever the old name resolved to). A member another process claimed
 * first, or one that vanished, is skipped.
 */
export async function claimPoolMember(docker: Docker, spec: ContainerSpec): Promise<string | undefined> {
  for (const member of await poolMembers(docker, spec.configHash)) {
    const won = await docker
      .getContainer(member.id)
      .unpause()
      .then(() => true)
      .catch(() => false);
    if (!won) continue;
    try {
      // By its pool name, not its id: a running member another process holds (someone paused it) may be claimed there meanwhile.
      await docker.getContainer(member.name).rename({ name: spec.name });
      return member.id;
    } catch (error) {
      // The pool name is gone: another claimer renamed it first; it is theirs.
      if (statusCodeOf(error) === 404) continue;
      // The session's name is taken (another process made it meanwhile): this member is spent, never handed to anyone else.
      await removeManaged(docker, member.id).catch(() => undefined);
      return undefined;
    }
  }
  return undefined;
}

export interface RefillOptions {
  /** The spec a session container would get (name ignored); members are made from it. */
  spec: ContainerSpec;
  size: number;
  /** Members older than this are replaced (0: never by age). */
  maxAgeSeconds: number;
  /** Runs once in each new member (e.g. hand the workdir to the user), as for a container made for a session. */
  prepare?: (containerId: string) => Promise<void>;
  now?: Date;
}

/**
 * Brings the pool to `size` waiting members of this spec: members older than
 * `maxAgeSeconds` are removed, then missing ones are created, started,
 * prepared and paused (paused is what "waiting" means: see `poolMembers`),
 * labelled as pool members. Members of other settings are left to their own
 * processes (and to `sandbox rm`). Returns the names created.
 */
export async function refillPool(docker: Docker, options: RefillOptions): Promise<string[]> {
  const now = (options.now ?? new Date()).getTime();
  // Judged by the real clock: a test's `now` in the future must not take another process's member being made.
  await removeOrphanedMembers(docker).catch(() => undefined);
  let members = await poolMembers(docker, options.spec.configHash);
  if (options.maxAgeSeconds > 0) {
    const old = members.filter((m) => now - m.createdAt > options.maxAgeSeconds * 1000);
    for (const m of old) await removeManaged(docker, m.id).catch(() => undefined);
    members = members.filter((m) => !old.includes(m));
  }
  const created: string[] = [];
  for (let i = members.length; i < options.size; i++) {
    const member = await createPoolMember(docker, options.spec, options.prepare);
    try {
      await pauseMember(docker, member.id);
    } catch (error) {
      await removeManaged(docker, member.id).catch(() => undefined);
      throw error;
    }
    created.push(member.name);
  }
  return created;
}

/** A pool member that runs (not yet waiting): what a process that holds members keeps, see warm-pool-keeper.ts. */
export interface RunningPoolMember {
  id: string;
  name: string;
  configHash: string;
  createdAt: number;
}

/** Creates, starts and prepares one member of this spec, labelled as a pool member under a pool name. */
export async function createPoolMember(docker: Docker, spec: ContainerSpec, prepare?: (containerId: string) => Promise<void>): Promise<RunningPoolMember> {
  const name = `${POOL_NAME_PREFIX}${spec.configHash}-${randomBytes(3).toString("hex")}`;
  const create = withCreatedAt({ ...spec, name });
  const { id } = await docker.createContainer({ ...create, Labels: { ...create.Labels, [LABEL_POOL]: "true" } });
  try {
    await docker.getContainer(id).start();
    await prepare?.(id);
  } catch (error) {
    await removeManaged(docker, id).catch(() => undefined);
    throw error;
  }
  return { id, name, configHash: spec.configHash, createdAt: Date.parse(create.Labels?.[LABEL_CREATED_AT] ?? "") || Date.now() };
}

/** Makes a running member wait (paused) for any process's claim. */
export async function pauseMember(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).pause();
  } catch (error) {
    throw new BackendError(
      "UNAVAILABLE",
      `Could not pause a new warm pool member (${engineMessage(error)}): warm_pool needs an engine that can pause containers (cgroup freezer); set terminal.docker.warm_pool: 0 on this engine`,
      { cause: error },
    );
  }
}

/** How long a running pool-named member may go without a shell before it counts as orphaned (its make or claim takes seconds). */
export const ORPHAN_GRACE_SECONDS = 600;

/**
 * Removes the running members no process holds: pool-named, older than
 * `graceSeconds`, with no exec running in them. A held member always has its
 * shell's exec open; a member whose holder was killed (SIGKILL, a crash: no
 * `close()` paused it) has none and, running, is neither claimable (only
 * paused members are) nor ever reaped (the reaper leaves running containers
 * alone), so it would run forever. Returns the names removed.
 */
export async function removeOrphanedMembers(docker: Docker, options: { graceSeconds?: number; now?: Date } = {}): Promise<string[]> {
  const now = (options.now ?? new Date()).getTime();
  const graceMs = (options.graceSeconds ?? ORPHAN_GRACE_SECONDS) * 1000;
  const listed = await docker.listContainers({
    filters: { label: [`${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`, `${LABEL_POOL}=true`], status: ["running"] },
  });
  const removed: string[] = [];
  for (const c of listed) {
    const name = (c.Names[0] ?? "").replace(/^\//, "");
    const createdAt = Date.parse(c.Labels[LABEL_CREATED_AT] ?? "") || c.Created * 1000;
    if (!name.startsWith(POOL_NAME_PREFIX) || now - createdAt <= graceMs) continue;
    const info = await docker
      .getContainer(c.Id)
      .inspect()
      .catch(() => undefined);
    // Renamed meanwhile (claimed), or a shell is open in it (held by a live process): not an orphan.
    const unheld = info?.State.Running === true && info.Name.replace(/^\//, "").startsWith(POOL_NAME_PREFIX) && (info.ExecIDs ?? []).length === 0;
    if (!unheld) continue;
    if (await removeManaged(docker, c.Id).catch(() => false)) removed.push(name);
  }
  return removed;
}
