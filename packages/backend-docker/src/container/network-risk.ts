/** Why a container network mode exposes the host or another container, with the fix; undefined for `bridge`, `none` and named networks. */
export interface NetworkRisk {
  message: string;
  fix: string;
}

/**
 * `host` shares the host's network stack (services on the host's localhost,
 * the engine's TCP port, cloud metadata endpoints); `container:<id>` shares
 * another container's (whatever that one reaches, and its localhost services).
 * `subject` names what uses the mode, e.g. "terminal.docker.network: host".
 */
export function networkRisk(mode: string | undefined, subject: string): NetworkRisk | undefined {
  if (mode === "host") {
    return {
      message: `${subject} shares the host's network with the container: services listening on the host's localhost are reachable from it`,
      fix: "use network: bridge, or none when commands need no network (docker run: drop --network host)",
    };
  }
  if (mode?.startsWith("container:")) {
    return {
      message: `${subject} shares the network of container ${mode.slice("container:".length)}: commands reach everything it reaches, and its localhost services`,
      fix: "use network: bridge or none, or a named network (docker run: drop --network container:...)",
    };
  }
  return undefined;
}
