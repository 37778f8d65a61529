import { describe, expect, it } from "vitest";
import { MASKED_VALUE, isSecretConfigValue, maskSecrets } from "./mask-secrets.js";

const anthropicKey = ["sk", "ant", "api03", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4"].join("-");

describe("maskSecrets", () => {
  it("masks values under secret keys and credential-shaped values, keeping everything else", () => {
    const config = {
      model: "anthropic/claude-sonnet-4-5",
      providers: { openai: { api_key: "plain-key-123456", base_url: "http://127.0.0.1:1/v1" } },
      terminal: {
        timeout: 180,
        host: { env: { GITHUB_TOKEN: "abc", MY_LLM: anthropicKey, NODE_ENV: "dev" }, forward_env: ["GITHUB_TOKEN"] },
        docker: { host: "ssh://deploy:hunter22@build.example", volumes: ["/src:/src"] },
      },
    };
    expect(maskSecrets(config)).toEqual({
      model: "anthropic/claude-sonnet-4-5",
      providers: { openai: { api_key: MASKED_VALUE, base_url: "http://127.0.0.1:1/v1" } },
      terminal: {
        timeout: 180,
        host: { env: { GITHUB_TOKEN: MASKED_VALUE, MY_LLM: MASKED_VALUE, NODE_ENV: "dev" }, forward_env: ["GITHUB_TOKEN"] },
        docker: { host: MASKED_VALUE, volumes: ["/src:/src"] },
      },
    });
  });

  it("masks a leaf by the key it sits under, numbers included, but not an empty value", () => {
    expect(maskSecrets("plain-key-123456", "api_key")).toBe(MASKED_VALUE);
    expect(maskSecrets(12345678, "password")).toBe(MASKED_VALUE);
    expect(maskSecrets("", "api_key")).toBe("");
    expect(maskSecrets("${OPENAI_API_KEY}", "api_key")).toBe("${OPENAI_API_KEY}"); // left unexpanded: the variable is not set
    expect(maskSecrets("${OPENAI_API_KEY}x", "api_key")).toBe(MASKED_VALUE);
    expect(maskSecrets("${OPENAI_API_KEY:-literal-key-123}", "api_key")).toBe(MASKED_VALUE);
    expect(maskSecrets("ubuntu:24.04", "image")).toBe("ubuntu:24.04");
    expect(isSecretConfigValue("tls_verify", true)).toBe(false);
  });
});
