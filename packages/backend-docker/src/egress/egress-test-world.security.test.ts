import { describe, expect, it } from "vitest";
import { ENGINE_NAMESPACE, INTERNET_NAMESPACE, assertWorldReady, egressDocker, inNamespace } from "./egress-test-world.test-helpers.js";

/** The egress tests' world must keep every packet on this machine, and its engine must really isolate internal networks. */
describe("the egress test world", () => {
  it("has no default route and no route outside 198.18.0.0/15 in either namespace", async () => {
    await assertWorldReady();
    for (const namespace of [ENGINE_NAMESPACE, INTERNET_NAMESPACE]) {
      for (const family of ["-4", "-6"]) {
        const routes = inNamespace(namespace, ["ip", family, "route", "show"]);
        expect(routes.status, `${namespace} ${family}`).toBe(0);
        const destinations = routes.stdout
          .split("\n")
          .filter(Boolean)
          .map((line) => line.split(" ")[0]!);
        expect(destinations, `${namespace} ${family}`).not.toContain("default");
        for (const destination of destinations) {
          // IPv4: only the benchmarking range; IPv6: at most link-local routes of the interfaces.
          expect(destination, `${namespace} ${family}`).toMatch(family === "-4" ? /^198\.(18|19)\.\d+\.\d+\/\d+$/ : /^fe80::\/64$/);
        }
      }
    }
    // Positive control: the namespaces do have their routes to each other.
    expect(inNamespace(ENGINE_NAMESPACE, ["ip", "route", "show"]).stdout).toContain("198.19.0.0/16 via 198.18.0.2");
  });

  it("runs its engine with iptables, so an --internal network is isolated", async () => {
    await assertWorldReady();
    const info = await egressDocker.info();
    expect(info.Name).toBeTruthy();
    const rules = inNamespace(ENGINE_NAMESPACE, ["iptables", "-S"]);
    expect(rules.status).toBe(0);
    expect(rules.stdout).toContain("DOCKER-ISOLATION-STAGE-1");
  });
});
