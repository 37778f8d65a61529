import type Docker from "dockerode";
import { BackendError } from "@monoclaw/core/backend";
import { runContainerExec } from "../../exec/container-exec.js";

/** The egress proxy's CA certificate in the sandbox (additive stores: Node). */
export const SANDBOX_CA_FILE = "/etc/monoclaw/egress-ca.pem";
/** The image's system roots plus the proxy's CA (stores that replace the default: OpenSSL, curl, git, Python). */
export const SANDBOX_CA_BUNDLE = "/etc/monoclaw/ca-bundle.pem";

/** The tools of the install script, from the image's system directories only. */
const SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

/** Where images keep their system bundle: Debian/Ubuntu/Alpine, Fedora/RHEL, then the rest. */
const SYSTEM_BUNDLES = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem", "/etc/ssl/ca-bundle.pem"];

/** Trust variables for each command: tools reach bound hosts through the proxy's TLS without `-k`. */
export function caTrustEnv(): string[] {
  return [
    `SSL_CERT_FILE=${SANDBOX_CA_BUNDLE}`,
    `CURL_CA_BUNDLE=${SANDBOX_CA_BUNDLE}`,
    `REQUESTS_CA_BUNDLE=${SANDBOX_CA_BUNDLE}`,
    `GIT_SSL_CAINFO=${SANDBOX_CA_BUNDLE}`,
    `NODE_EXTRA_CA_CERTS=${SANDBOX_CA_FILE}`,
  ];
}

// Run as root in the sandbox with the certificate on stdin. The marked block in
// the system bundle is replaced, never appended twice, when the proxy's CA changes.
const INSTALL_SCRIPT = `set -e
mkdir -p /etc/monoclaw
cat > ${SANDBOX_CA_FILE}.new
mv -f ${SANDBOX_CA_FILE}.new ${SANDBOX_CA_FILE}
bundle=
for f in ${SYSTEM_BUNDLES.join(" ")}; do if [ -f "$f" ]; then bundle=$f; break; fi; done
strip() { sed '/^# BEGIN MonoClaw egress CA$/,/^# END MonoClaw egress CA$/d' "$1"; }
{ if [ -n "$bundle" ]; then strip "$bundle"; fi; cat ${SANDBOX_CA_FILE}; } > ${SANDBOX_CA_BUNDLE}.new
mv -f ${SANDBOX_CA_BUNDLE}.new ${SANDBOX_CA_BUNDLE}
if [ -n "$bundle" ] && [ -w "$bundle" ]; then
  { strip "$bundle"; echo '# BEGIN MonoClaw egress CA'; cat ${SANDBOX_CA_FILE}; echo '# END MonoClaw egress CA'; } > /etc/monoclaw/system-bundle.new
  cat /etc/monoclaw/system-bundle.new > "$bundle"
  rm -f /etc/monoclaw/system-bundle.new
fi`;

/** Installs the proxy's CA certificate (never its key) in the sandbox's trust stores. */
export async function installSandboxCa(docker: Docker, containerId: string, certificatePem: string): Promise<void> {
  let stderr = "";
  const result = await runContainerExec(docker, containerId, {
    cmd: ["/bin/sh", "-c", INSTALL_SCRIPT],
    user: "0",
    // Root runs this: the image's PATH may start with a directory the sandbox's user can write.
    env: [`PATH=${SYSTEM_PATH}`],
    stdin: Buffer.from(certificatePem),
    onOutput: (stream, chunk) => {
      if (stream === "stderr" && stderr.length < 2048) stderr += Buffer.from(chunk).toString("utf8");
    },
  });
  if (result.exitCode !== 0) {
    throw new BackendError(
      "UNAVAILABLE",
      `Could not install the egress proxy's CA in the sandbox (${stderr.trim() || `exit ${result.exitCode}`}): terminal.docker.secrets needs a writable /etc and /bin/sh in the image`,
    );
  }
}
