import type { HeldShell } from "../exec/held-shell.js";
import type { RunningPoolMember } from "./warm-pool.js";

/** A warm pool member this process holds: running, with a shell already open in it. */
export interface HeldPoolMember extends RunningPoolMember {
  /** The container's start time (a command's place: see `containerLossError`). */
  startedAt: string | undefined;
  shell: HeldShell;
}

/** How the members of one kind are made and let go: given by the backend whose sessions they serve. */
export interface HeldMemberSource {
  /** How many to hold. */
  size: number;
  /** Members older than this are not handed out (0: no limit by age). */
  maxAgeSeconds: number;
  make(): Promise<HeldPoolMember>;
  /** Lets go of a member nobody claimed: its shell ends and it waits, paused, for any process's claim. */
  release(member: HeldPoolMember): Promise<void>;
  /** Removes a member that must serve nobody (too old, stale settings, its shell ended). */
  remove(member: HeldPoolMember): Promise<void>;
  /** A refill failed (the pool stays short until the next claim asks again). */
  onError(error: unknown): void;
}

/**
 * The warm pool as one long-lived process keeps it (mom, a server hosting
 * many sessions, a library user): members are created, started and prepared
 * ahead, each with a shell open, so a new session's claim is a rename and its
 * first command goes to a shell that already runs, with no Engine API exec.
 *
 * Members are kept per key: the backend's effective settings together with
 * every late-bound value its shells carry (forward_env values, the user, the
 * working directory, the engine), so a claim never hands out a member whose
 * settings differ. A member is handed out once and never returned after use.
 * Other processes never claim a held member: they only take paused ones
 * (see warm-pool.ts), and `close` turns the unclaimed ones into those.
 */
export interface WarmPoolKeeper {
  /** Resolves when no refill runs (what a benchmark or a test waits for between claims). */
  settled(): Promise<void>;
  /** Stops refilling and releases every unclaimed member (paused, for the next process). Idempotent. */
  close(): Promise<void>;
}

/** What the backends a keeper serves do with it (not part of the package's API: see `heldMembersOf`). */
export interface HeldMembers {
  /** Hands out a member for `key` (the caller now owns it), or undefined when none is ready. The claimer asks for the refill (`keep`) once its first command ran, so the refill's engine calls never slow the claim. */
  take(key: string): HeldPoolMember | undefined;
  /** Puts back a member the caller took but did not use (its claim lost the name to an existing container). */
  giveBack(key: string, member: HeldPoolMember): void;
  /** Holds `source.size` members for `key` from now on, refilled in the background one at a time. */
  keep(key: string, source: HeldMemberSource): void;
  /** How many members are ready for `key`. */
  ready(key: string): number;
}

const heldMembers = new WeakMap<WarmPoolKeeper, HeldMembers>();

/** The members side of a keeper `createWarmPoolKeeper` made. */
export function heldMembersOf(keeper: WarmPoolKeeper): HeldMembers {
  const members = heldMembers.get(keeper);
  if (!members) throw new TypeError("warmPoolKeeper must be a keeper made by createWarmPoolKeeper()");
  return members;
}

interface Kept {
  source: HeldMemberSource;
  members: HeldPoolMember[];
  refilling?: Promise<void>;
}

/**
 * A keeper for one process: pass it as `DockerBackendOptions.warmPoolKeeper`
 * to every session backend the process creates, and `close` it at exit.
 * `now` is the clock `max_age` is judged by.
 */
export function createWarmPoolKeeper(now: () => number = Date.now): WarmPoolKeeper {
  const kept = new Map<string, Kept>();
  let closed = false;

  const tooOld = (source: HeldMemberSource, member: HeldPoolMember) => source.maxAgeSeconds > 0 && now() - member.createdAt > source.maxAgeSeconds * 1000;

  const refill = (entry: Kept): void => {
    if (closed || entry.refilling) return;
    entry.refilling = (async () => {
      try {
        while (!closed && entry.members.length < entry.source.size) {
          const member = await entry.source.make();
          if (closed) {
            await entry.source.release(member);
            return;
          }
          // A new config hash for the same key: the image was rebuilt meanwhile. The older members are stale.
          const stale = entry.members.filter((m) => m.configHash !== member.configHash);
          entry.members = entry.members.filter((m) => !stale.includes(m));
          await Promise.all(stale.map((m) => entry.source.remove(m).catch(() => undefined)));
          entry.members.push(member);
        }
      } catch (error) {
        entry.source.onError(error);
      } finally {
        entry.refilling = undefined;
      }
    })();
  };

  const members: HeldMembers = {
    take(key) {
      const entry = kept.get(key);
      if (!entry) return undefined;
      let member: HeldPoolMember | undefined;
      while ((member = entry.members.shift()) !== undefined) {
        if (member.shell.adoptable() && !tooOld(entry.source, member)) break;
        void entry.source.remove(member).catch(() => undefined);
      }
      return member;
    },
    giveBack(key, member) {
      const entry = kept.get(key);
      if (!entry) return;
      if (closed) void entry.source.release(member).catch(() => undefined);
      else entry.members.unshift(member);
    },
    keep(key, source) {
      if (closed) return;
      const entry = kept.get(key) ?? { source, members: [] };
      entry.source = source;
      kept.set(key, entry);
      refill(entry);
    },
    ready: (key) => kept.get(key)?.members.filter((m) => m.shell.adoptable()).length ?? 0,
  };
  const keeper: WarmPoolKeeper = {
    async settled() {
      for (;;) {
        const running = [...kept.values()].map((entry) => entry.refilling).filter((p) => p !== undefined);
        if (running.length === 0) return;
        await Promise.all(running);
      }
    },
    async close() {
      closed = true;
      await Promise.all([...kept.values()].map((entry) => entry.refilling));
      await Promise.all([...kept.values()].flatMap((entry) => entry.members.splice(0).map((member) => entry.source.release(member).catch(() => undefined))));
    },
  };
  heldMembers.set(keeper, members);
  return keeper;
}
