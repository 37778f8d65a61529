import { describe, expect, it } from "vitest";
import { createRedactor } from "./secret-redactor.js";

describe("createRedactor", () => {
  const redactor = createRedactor({
    env: { GITHUB_TOKEN: "ghp_abcdef123456", HOME: "/root", SHORT_TOKEN: "abc", PATH: "/usr/bin" },
    secrets: [{ label: "providers.ollama.api_key", value: "sk-local-999999" }],
  });

  it("replaces secret env values and configured keys, naming where they came from", () => {
    expect(redactor.redact("token=ghp_abcdef123456 key=sk-local-999999 home=/root")).toBe(
      "token=[REDACTED:GITHUB_TOKEN] key=[REDACTED:providers.ollama.api_key] home=/root",
    );
    expect(redactor.size).toBe(2);
  });

  it("redacts a credential-shaped value whatever its variable is called", () => {
    const key = ["sk", "ant", "api03", "Q1w2E3r4T5y6U7i8O9p0A1s2"].join("-");
    const oddlyNamed = createRedactor({ env: { MY_LLM: key, GREETING: "hello world" } });
    expect(oddlyNamed.redact(`key ${key}; hello world`)).toBe("key [REDACTED:MY_LLM]; hello world");
  });

  it("ignores values too short to be secrets", () => {
    expect(redactor.redact("abc abc")).toBe("abc abc");
  });

  it("catches a secret split across streamed chunks, holding back only what could start one", () => {
    const stream = redactor.stream();
    const shown = [stream.push("line one\nghp_abc"), stream.push("def123"), stream.push("456 done\n"), stream.flush()];
    expect(shown[0]).toBe("line one\n");
    expect(shown.join("")).toBe("line one\n[REDACTED:GITHUB_TOKEN] done\n");
    expect(shown.join("")).not.toContain("ghp_");
  });

  it("flushes a held-back prefix that never became a secret", () => {
    const stream = redactor.stream();
    expect(stream.push("ends with ghp_")).toBe("ends with ");
    expect(stream.flush()).toBe("ghp_");
  });

  it("is a no-op without secrets", () => {
    const none = createRedactor({ env: { PATH: "/bin" } });
    expect(none.size).toBe(0);
    expect(none.stream().push("ghp_abcdef123456")).toBe("ghp_abcdef123456");
  });
});
