import { afterAll, describe, expect, it } from "vitest";
import { DEBIAN, containerNames, testBackend, testDocker, text } from "../docker.test-helpers.js";

// pids_limit under gVisor (Debian's runsc registered by scripts/ensure-runtimes.sh): a fork past the
// limit fails inside the sandbox, and the sandbox itself lives on.
const names = containerNames("mc-test-process-limit-runsc");
afterAll(() => names.cleanup());

// Starts up to `n` background sleeps, ends them and says how many started: the loop runs in a command
// substitution that ends at the first refused fork; what it printed are the sleeps' pids, ended with
// the builtin kill (no fork needed while the limit is full).
const startSleeps = (n: number) =>
  `pids=$(i=0; while [ $i -lt ${n} ]; do sleep 600 >/dev/null 2>&1 & echo $!; i=$((i+1)); done 2>/dev/null); set -- $pids; kill $pids 2>/dev/null; echo "started $#"`;

const started = (stdout: Uint8Array) => Number(/started (\d+)/.exec(text(stdout))?.[1]);

describe("pids_limit under runsc", () => {
  it("refuses the fork past pids_limit inside the sandbox and keeps the container running (bursts past the limit never stop the sandbox)", async () => {
    const name = names.next();
    const backend = testBackend(name, { image: DEBIAN, runtime: "runsc", pids_limit: 60 });
    try {
      // Positive control: 40 processes fit.
      expect(started((await backend.exec(startSleeps(40))).stdout.head)).toBe(40);
      // Bursts past the limit: each is cut short by a refused fork, never by the sandbox dying.
      for (let burst = 0; burst < 3; burst++) {
        const count = started((await backend.exec(startSleeps(100))).stdout.head);
        expect(count).toBeGreaterThan(40);
        expect(count).toBeLessThan(60);
      }
      const info = await testDocker.getContainer(name).inspect();
      expect(info.State.Running).toBe(true);
      expect(info.HostConfig.Ulimits).toEqual([{ Name: "nproc", Soft: 60, Hard: 60 }]);
      expect(text((await backend.exec("echo alive")).stdout.head)).toBe("alive\n");
    } finally {
      await backend.dispose();
    }
  });
});
