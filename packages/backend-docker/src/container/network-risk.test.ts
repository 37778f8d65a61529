import { afterAll, describe, expect, it } from "vitest";
import { containerNames, testBackend, testDocker, text, BUSYBOX } from "../docker.test-helpers.js";

/** `network: host` and `network: container:<id>` are said at the first container start (what `exec` and `run` print), not only in doctor. */
const names = containerNames("mc-test-netrisk");
afterAll(() => names.cleanup());

async function firstStartLog(network: string): Promise<string> {
  const messages: string[] = [];
  const backend = testBackend(names.next(), { network, log: (message) => messages.push(message) });
  try {
    expect(text((await backend.exec("echo ran")).stdout.head)).toBe("ran\n");
    await backend.exec("true");
  } finally {
    await backend.dispose();
  }
  return messages.join("\n");
}

describe("network warnings at the first container start", () => {
  it("says nothing for network: none (positive control)", async () => {
    expect(await firstStartLog("none")).toBe("");
  });

  it("warns once that network: host shares the host's network, with the fix", async () => {
    const log = await firstStartLog("host");
    expect(log).toBe(
      "warning: terminal.docker.network: host shares the host's network with the container: services listening on the host's localhost are reachable from it. " +
        "Fix: use network: bridge, or none when commands need no network (docker run: drop --network host)",
    );
  });

  it("warns that network: container:<id> shares that container's network", async () => {
    const other = names.next();
    const created = await testDocker.createContainer({ name: other, Image: BUSYBOX, Cmd: ["sleep", "600"], HostConfig: { NetworkMode: "none" } });
    await created.start();
    const log = await firstStartLog(`container:${other}`);
    expect(log).toContain(`warning: terminal.docker.network: container:${other} shares the network of container ${other}`);
  });
});
