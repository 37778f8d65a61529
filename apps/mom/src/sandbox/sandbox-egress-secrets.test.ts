import { describe, expect, it } from "vitest";
import { loadSandboxSecrets, parseSecretBindings, secretCommandEnv } from "./sandbox-egress-secrets.js";

const REAL = "ghp_0123456789abcdefABCDEF0123456789abcd";
const recreate = "./docker.sh remove && ./docker.sh create ./data";

describe("parseSecretBindings", () => {
  it("reads docker.sh's label, and no label or an empty one binds nothing", () => {
    expect(parseSecretBindings('{"GITHUB_TOKEN":["api.github.com","github.com"]}', "p", recreate)).toEqual({ GITHUB_TOKEN: ["api.github.com", "github.com"] });
    expect(parseSecretBindings(undefined, "p", recreate)).toEqual({});
    expect(parseSecretBindings("{}", "p", recreate)).toEqual({});
  });

  it("refuses a label docker.sh did not write, naming the proxy and how to recreate it", () => {
    for (const label of ["GITHUB_TOKEN=api.github.com", '["GITHUB_TOKEN"]', '{"A":[]}', '{"A":"api.github.com"}', '{"A":[1]}'])
      expect(() => parseSecretBindings(label, "mom-sandbox-egress-proxy", recreate)).toThrow(
        `the monoclaw.mom.egress-secrets label of mom-sandbox-egress-proxy is not what ./docker.sh writes ({"NAME":["host"]}). Recreate both: ${recreate}`,
      );
  });
});

describe("loadSandboxSecrets and secretCommandEnv", () => {
  it("gives commands a placeholder shaped like the value and the CA trust variables, never the value", async () => {
    const secrets = await loadSandboxSecrets({ GITHUB_TOKEN: ["api.github.com"] }, "mom-sandbox", { GITHUB_TOKEN: REAL });
    expect(secrets).toMatchObject([{ name: "GITHUB_TOKEN", value: REAL, hosts: ["api.github.com"] }]);
    const env = secretCommandEnv(secrets);
    expect(env.GITHUB_TOKEN).toMatch(/^ghp_[0-9A-Za-z]+$/);
    expect(env.GITHUB_TOKEN).toHaveLength(REAL.length);
    expect(env.SSL_CERT_FILE).toBe("/etc/monoclaw/ca-bundle.pem");
    expect(env.NODE_EXTRA_CA_CERTS).toBe("/etc/monoclaw/egress-ca.pem");
    expect(JSON.stringify(env)).not.toContain(REAL);
    // The same value in another sandbox: another placeholder.
    const elsewhere = secretCommandEnv(await loadSandboxSecrets({ GITHUB_TOKEN: ["api.github.com"] }, "other-sandbox", { GITHUB_TOKEN: REAL }));
    expect(elsewhere.GITHUB_TOKEN).not.toBe(env.GITHUB_TOKEN);
  });

  it("gives commands nothing without secrets", () => {
    expect(secretCommandEnv([])).toEqual({});
  });

  it("fails closed on an unset or empty variable, naming it and the fix without any value", async () => {
    for (const env of [{}, { GITHUB_TOKEN: "" }])
      await expect(loadSandboxSecrets({ GITHUB_TOKEN: ["api.github.com"] }, "mom-sandbox", env)).rejects.toThrow(
        "container 'mom-sandbox' binds the secret GITHUB_TOKEN to api.github.com (MOM_SECRETS of ./docker.sh create), but GITHUB_TOKEN is not set in mom's environment: export GITHUB_TOKEN=<its value> before starting mom",
      );
  });
});
