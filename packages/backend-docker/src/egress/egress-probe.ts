import type Docker from "dockerode";
import type { HealthCheck } from "@monoclaw/core/backend";
import { runContainerExec } from "../exec/container-exec.js";
import { EGRESS_PROXY_ALIAS } from "./egress-proxy-env.js";
import { EGRESS_PROXY_PORT } from "./egress-proxy-source.js";

/**
 * A name that can never be real (RFC 6761 reserves `.invalid`) and that the
 * proxy refuses by its own rule before any lookup: the probe's request never
 * reaches, or even names, an outside address.
 */
export const EGRESS_PROBE_HOST = "monoclaw-egress-probe.invalid";

/** The clients the probe looks for in the sandbox, in the order it tries them. */
export const EGRESS_PROBE_TOOLS = ["curl", "wget", "nc", "python3", "node", "perl", "busybox wget"] as const;

/** The probe gives up after this long (each client also has its own 5 s timeout). */
const PROBE_TIMEOUT_MS = 15_000;

/**
 * Run in the sandbox (`sh -c`, as nobody): asks the proxy, by its alias on
 * the internal network, for `http://<probe host>/` with the first client
 * found, printing `tool=<name>` and then the whole answer (status line,
 * headers, body). Plain HTTP, so every client shows the body that holds the
 * proxy's reason; the socket clients speak to the proxy directly, the others
 * are told the proxy explicitly. busybox wget comes last: on a 403 it exits
 * with the status line only, so it cannot show the reason.
 */
const PROBE_SCRIPT = `
P=${EGRESS_PROXY_ALIAS}; PORT=${EGRESS_PROXY_PORT}; H=${EGRESS_PROBE_HOST}; URL="http://$H/"
have() { command -v "$1" >/dev/null 2>&1; }
busybox_has() { have busybox && busybox --list 2>/dev/null | grep -qx "$1"; }
is_busybox() { "$1" --help 2>&1 | head -n 2 | grep -q BusyBox; }
if have curl; then echo tool=curl; exec curl -sS -i -m 5 -x "http://$P:$PORT" "$URL" 2>&1; fi
if have wget && ! is_busybox wget; then
  echo tool=wget; exec wget -S -O - --content-on-error -T 5 -t 1 -e use_proxy=on -e "http_proxy=http://$P:$PORT" "$URL" 2>&1
fi
REQUEST="GET $URL HTTP/1.0\\r\\nHost: $H\\r\\nConnection: close\\r\\n\\r\\n"
if have nc; then echo tool=nc; printf "$REQUEST" | nc -w 5 "$P" "$PORT" 2>&1; exit 0; fi
if busybox_has nc; then echo tool=nc; printf "$REQUEST" | busybox nc -w 5 "$P" "$PORT" 2>&1; exit 0; fi
if have python3; then
  echo tool=python3
  exec python3 -c 'import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 5)
s.settimeout(5)
s.sendall(sys.argv[3].encode().decode("unicode_escape").encode())
while True:
    chunk = s.recv(4096)
    if not chunk: break
    sys.stdout.buffer.write(chunk)' "$P" "$PORT" "$REQUEST" 2>&1
fi
if have node; then
  echo tool=node
  exec node -e 'const s = require("net").connect(Number(process.argv[2]), process.argv[1]);
s.setTimeout(5000, () => { console.log("timed out"); process.exit(1); });
s.on("error", (e) => { console.log(e.message); process.exit(1); });
s.on("connect", () => s.write(JSON.parse("\\"" + process.argv[3] + "\\"")));
s.pipe(process.stdout);' "$P" "$PORT" "$REQUEST" 2>&1
fi
if have perl; then
  echo tool=perl
  exec perl -MIO::Socket::INET -e '$SIG{ALRM} = sub { die "timed out\\n" }; alarm 5; my $s = IO::Socket::INET->new(PeerAddr => $ARGV[0], PeerPort => $ARGV[1], Timeout => 5) or die "$@\\n";
(my $r = $ARGV[2]) =~ s/\\\\r\\\\n/\\r\\n/g; print $s $r; print while <$s>;' "$P" "$PORT" "$REQUEST" 2>&1
fi
if have wget; then echo tool=busybox wget; exec env http_proxy="http://$P:$PORT" wget -S -Y on -T 5 -O - "$URL" 2>&1; fi
if busybox_has wget; then echo tool=busybox wget; exec env http_proxy="http://$P:$PORT" busybox wget -S -Y on -T 5 -O - "$URL" 2>&1; fi
echo tool=none
`;

/** The proxy's reason in a refusal's body: `MonoClaw egress: refused <host>:<port>: ...`. */
const REASON_LINE = /MonoClaw egress: (refused [^\r\n]*)/;
const STATUS_LINE = /HTTP\/1\.[01] (\d{3})/;

/** Sandbox output is not trusted: one printable line, bounded, for doctor's report. */
function oneLine(text: string): string {
  const line = text
    .replace(/[^\x20-\x7e\n]/g, "")
    .split("\n")
    .map((part) => part.trim())
    .filter(Boolean)
    .slice(-1)[0];
  return (line ?? "no output").slice(0, 200);
}

/**
 * doctor's probe from inside a running allowlist sandbox: asks its egress
 * proxy for a name that cannot exist and that the proxy refuses by rule. ok
 * when the proxy answers 403 with that rule's reason; fail when the request
 * got anything else or the proxy could not be reached; when the image has no
 * client to ask with, says which it looked for (level ok: nothing is wrong,
 * it is just not probed; HealthCheck has no info level).
 */
export async function egressProbeCheck(docker: Docker, sandboxId: string, sandboxName: string): Promise<HealthCheck> {
  const id = "docker.egress.probe";
  const restart = `run any command to restart the proxy (monoclaw exec true); if it stays down, see what it logged: monoclaw sandbox egress ${sandboxName}`;
  let output = "";
  let exitCode: number | null;
  try {
    ({ exitCode } = await runContainerExec(docker, sandboxId, {
      cmd: ["sh", "-c", PROBE_SCRIPT],
      // The probe needs no privilege: it only opens one connection.
      user: "65534:65534",
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      onOutput: (_stream, chunk) => {
        if (output.length < 64 * 1024) output += Buffer.from(chunk).toString("utf8");
      },
    }));
  } catch (error) {
    return { id, level: "fail", message: `egress probe: could not run a command in the sandbox ${sandboxName}: ${(error as Error).message}`, fix: restart };
  }
  const tool = /^tool=(.*)$/m.exec(output)?.[1]?.trim();
  if (tool === "none")
    return {
      id,
      level: "ok",
      message: `egress probe skipped: the sandbox's image has none of ${EGRESS_PROBE_TOOLS.join(", ")} to ask its proxy with (the allow-list is enforced all the same)`,
    };
  if (tool === undefined)
    return {
      id,
      level: "fail",
      message: `egress probe: the probe did not run in ${sandboxName} (exit ${exitCode ?? "none"}): ${oneLine(output)}`,
      fix: restart,
    };
  const answer = output.slice(output.indexOf(`tool=${tool}`) + `tool=${tool}`.length);
  const status = STATUS_LINE.exec(answer)?.[1];
  const reason = REASON_LINE.exec(answer)?.[1];
  const asked = `from inside the sandbox (${tool}), a request for ${EGRESS_PROBE_HOST}`;
  if (status === "403" && reason !== undefined && reason.includes(".invalid names never exist"))
    return { id, level: "ok", message: `egress probe: ${asked} was refused by the proxy: ${oneLine(reason)}` };
  if (status === "403" && reason === undefined && tool === "busybox wget")
    return { id, level: "ok", message: `egress probe: ${asked} was refused by the proxy (403; busybox wget does not show the reason)` };
  if (status === "403" && reason !== undefined)
    return {
      id,
      level: "warn",
      message: `egress probe: ${asked} was refused, but not by the rule for .invalid names: ${oneLine(reason)}`,
      fix: restart,
    };
  if (status !== undefined)
    return {
      id,
      level: "fail",
      message: `egress probe: ${asked} got HTTP ${status}, not the proxy's refusal: something other than MonoClaw's egress proxy answers as ${EGRESS_PROXY_ALIAS}`,
      fix: `remove the sandbox so the next command recreates it and its proxy: monoclaw sandbox rm ${sandboxName}`,
    };
  return {
    id,
    level: "fail",
    message: `egress probe: ${asked} could not reach the egress proxy ${EGRESS_PROXY_ALIAS}:${EGRESS_PROXY_PORT} (${oneLine(answer)}): the sandbox has no network`,
    fix: restart,
  };
}
