import { newRunMarker, runMarkerEnv, type OpenShellTransport, type ShellTransport } from "@monoclaw/core/backend";
import { dockerShellTransport, type DockerShellTransportOptions } from "./docker-shell-transport.js";

/**
 * A shell started in a container before anyone asked for it (a warm pool
 * member's): the Engine API exec and the shell's start are paid up front, so
 * the session that adopts it sends its first command at once. Until then
 * nothing listens, and the shell has said nothing (it only reads stdin).
 */
/** What a transport reports (core names the type only as `OpenShellTransport`'s first parameter). */
type ShellTransportEvents = Parameters<OpenShellTransport>[0];

export interface HeldShell {
  /** The run marker the shell and its children carry: the adopting session must use it (its kill finds them by it). */
  readonly marker: string;
  /** False once it was adopted, or once the shell ended (its container stopped or was removed). */
  adoptable(): boolean;
  /** Hands the shell to its session (once): its output and exit go to `events` from now on. */
  adopt(events: ShellTransportEvents): ShellTransport;
  /** Ends the shell without a session ever using it. */
  discard(): Promise<void>;
}

export async function openHeldShell(options: DockerShellTransportOptions): Promise<HeldShell> {
  const marker = newRunMarker();
  let listener: ShellTransportEvents | undefined;
  let ended: Parameters<ShellTransportEvents["exit"]>[0] | undefined;
  // A shell that dies before its adoption reports the exit to nobody; a claim learns it from `adoptable()`.
  const transport = await dockerShellTransport(options)(
    {
      stdout: (chunk) => listener?.stdout(chunk),
      stderr: (chunk) => listener?.stderr(chunk),
      exit: (status) => {
        ended = status;
        listener?.exit(status);
      },
    },
    runMarkerEnv(marker),
  );
  let adopted = false;
  return {
    marker,
    adoptable: () => ended === undefined && !adopted,
    adopt(events) {
      if (adopted) throw new Error("A held shell is adopted once");
      adopted = true;
      listener = events;
      if (ended !== undefined) events.exit(ended);
      return transport;
    },
    discard: () => transport.kill(),
  };
}
