import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runContainerExec } from "../../exec/container-exec.js";
import { installSandboxCa, SANDBOX_CA_FILE } from "./sandbox-trust.js";

// The CA install runs as root in the sandbox: nothing the sandbox's own (non-root) user planted may run with it.
const docker = new Docker({ socketPath: "/var/run/docker.sock" });
const name = `mc-test-sandbox-trust-${process.pid}`;
const CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";
let containerId = "";

async function run(command: string, user = "1000"): Promise<string> {
  let stdout = "";
  await runContainerExec(docker, containerId, {
    cmd: ["/bin/sh", "-c", command],
    user,
    onOutput: (stream, chunk) => {
      if (stream === "stdout") stdout += Buffer.from(chunk).toString("utf8");
    },
  });
  return stdout;
}

beforeAll(async () => {
  const container = await docker.createContainer({
    name,
    Image: "monoclaw-test/debian:bookworm",
    Cmd: ["sleep", "600"],
    User: "1000",
    // Debian: dash looks tools up on PATH (busybox sh runs its own applets). An image whose PATH starts with a directory its user can write (a venv, ~/.local/bin...).
    Env: ["PATH=/tmp/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    HostConfig: { NetworkMode: "none", CapDrop: ["ALL"], SecurityOpt: ["no-new-privileges:true"], AutoRemove: false },
  });
  containerId = container.id;
  await container.start();
});

afterAll(async () => {
  await docker
    .getContainer(name)
    .remove({ force: true })
    .catch(() => undefined);
});

describe("installSandboxCa (real engine, network none)", () => {
  it("never runs a command the sandbox's user put first on PATH as root while installing the CA", async () => {
    await run("mkdir -p /tmp/bin");
    for (const tool of ["cat", "mv", "mkdir", "sed", "rm"])
      await run(`printf '#!/bin/sh\\ntouch /tmp/ran-as-$(id -u)\\nexec /bin/${tool} "$@"\\n' > /tmp/bin/${tool} && chmod +x /tmp/bin/${tool}`);
    // Positive control: the planted tool is what a command finds first on PATH (root, without capabilities, can create a file in /tmp).
    expect(await run("cat /dev/null && ls /tmp | grep ran-as")).toBe("ran-as-1000\n");
    await installSandboxCa(docker, containerId, CERTIFICATE);
    expect(await run(`/bin/cat ${SANDBOX_CA_FILE}`)).toBe(CERTIFICATE);
    // No /tmp/ran-as-0: none of the planted tools ran during the install.
    expect(await run("/bin/ls /tmp | /bin/grep ran-as")).toBe("ran-as-1000\n");
  });
});
