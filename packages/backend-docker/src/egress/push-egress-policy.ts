import { createHash } from "node:crypto";
import type Docker from "dockerode";
import { BackendError } from "@monoclaw/core/backend";
import { runContainerExec } from "../exec/container-exec.js";
import { EGRESS_STATE_DIR } from "./egress-proxy-source.js";

/** The proxy runs as nobody: it needs no privilege, not even a name in /etc/passwd. */
export const EGRESS_PROXY_USER = "65534:65534";

/**
 * Writes a policy (the proxy's JSON, as text) into a running egress proxy's
 * tmpfs and returns once the proxy reports that policy's hash as applied: it
 * is SIGHUPed until it has reloaded. A start wipes the tmpfs, so a proxy that
 * (re)started needs this before it lets anything through. Used by MonoClaw's
 * gateway and by mom for the proxy `docker.sh` made (policy in its label).
 *
 * @param proxy - The proxy container's id or name.
 * @param proxyName - How errors name the proxy (default `proxy`).
 */
export async function pushEgressPolicy(docker: Docker, proxy: string, policyText: string, proxyName: string = proxy): Promise<void> {
  const hash = createHash("sha256").update(policyText).digest("hex");
  let stderr = "";
  const result = await runContainerExec(docker, proxy, {
    cmd: ["node", "-e", POLICY_WRITER, EGRESS_STATE_DIR, hash],
    user: EGRESS_PROXY_USER,
    stdin: Buffer.from(policyText),
    onOutput: (stream, chunk) => {
      if (stream === "stderr") stderr += Buffer.from(chunk).toString("utf8");
    },
  });
  if (result.exitCode !== 0)
    throw new BackendError("UNAVAILABLE", `The egress proxy ${proxyName} did not apply its policy: ${stderr.trim() || `exit ${result.exitCode}`}`);
}

/**
 * Run in the proxy container as the proxy's user: writes the policy from
 * stdin atomically, then signals the proxy (PID 1) until it reports the new
 * policy's hash, so the caller returns only once the policy is live.
 */
const POLICY_WRITER = `
const fs = require("node:fs");
const [dir, hash] = process.argv.slice(1);
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  fs.writeFileSync(dir + "/policy.json.new", Buffer.concat(chunks), { mode: 0o600 });
  fs.renameSync(dir + "/policy.json.new", dir + "/policy.json");
  const deadline = Date.now() + 5000;
  const check = () => {
    let applied = "";
    try { applied = fs.readFileSync(dir + "/applied", "utf8"); } catch {}
    if (applied === hash) process.exit(0);
    if (Date.now() > deadline) { process.stderr.write("the proxy did not reload its policy within 5 s"); process.exit(1); }
    try { process.kill(1, "SIGHUP"); } catch {}
    setTimeout(check, 50);
  };
  check();
});
`;
