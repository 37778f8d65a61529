import type Docker from "dockerode";
import { BackendError } from "@monoclaw/core/backend";
import { runContainerExec } from "../exec/container-exec.js";
import { EGRESS_CA_FILE } from "./egress-proxy-source.js";
import { EGRESS_PROXY_USER } from "./push-egress-policy.js";

/**
 * The CA certificate a running egress proxy wrote at its start (its key never
 * leaves the proxy's memory; every start makes a new CA). Used by MonoClaw's
 * gateway and by mom for the proxy `docker.sh` made.
 *
 * @param proxy - The proxy container's id or name.
 * @param proxyName - How errors name the proxy (default `proxy`).
 */
export async function readProxyAuthority(docker: Docker, proxy: string, proxyName: string = proxy): Promise<string> {
  let certificate = "";
  const result = await runContainerExec(docker, proxy, {
    cmd: ["node", "-e", "process.stdout.write(require('fs').readFileSync(process.argv[1]))", EGRESS_CA_FILE],
    user: EGRESS_PROXY_USER,
    onOutput: (stream, chunk) => {
      if (stream === "stdout") certificate += Buffer.from(chunk).toString("utf8");
    },
  });
  if (result.exitCode !== 0 || !certificate.includes("BEGIN CERTIFICATE"))
    throw new BackendError(
      "UNAVAILABLE",
      `The egress proxy ${proxyName} has no CA certificate (exit ${result.exitCode}): remove it (\`docker rm -f ${proxyName}\`) and retry`,
    );
  return certificate;
}
