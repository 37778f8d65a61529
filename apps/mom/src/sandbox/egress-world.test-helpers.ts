import { execFile } from "node:child_process";

/**
 * mom's egress tests run docker.sh against the egress test engine (a second
 * engine with iptables on and a fake internet serving allowed.test and
 * denied.test; scripts/egress-test-world.sh). Nothing leaves this machine.
 */
export const EGRESS_DOCKER_HOST = "unix:///run/monoclaw-egress-docker.sock";

/** docker.sh's environment for a small allowlist sandbox named `name` that may reach allowed.test only. */
export function momEgressEnv(name: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DOCKER_HOST: EGRESS_DOCKER_HOST,
    MOM_CONTAINER: name,
    MOM_IMAGE: "monoclaw-egress-test/curl:bookworm",
    MOM_NETWORK: "allowlist",
    MOM_EGRESS_ALLOW: "allowed.test",
    MOM_EGRESS_PROXY_IMAGE: "monoclaw-test/node:20",
    MOM_MEMORY: "256m",
    MOM_CPUS: "1",
    MOM_PIDS: "128",
  };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program (docker, docker.sh) with `env`; resolves with its exit code and output, never rejects. */
export const execWith =
  (env: NodeJS.ProcessEnv) =>
  (file: string, args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(file, args, { env, timeout: 120_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
      });
    });
