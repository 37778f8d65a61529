import { describe, expect, it } from "vitest";
import { secretPlaceholder } from "./secret-placeholder.js";

describe("secretPlaceholder", () => {
  it.each([
    ["a classic GitHub token", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", /^ghp_[0-9A-Za-z]{36}$/],
    ["a fine-grained GitHub token", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", /^github_pat_\w+$/],
    ["an OpenAI-style key", "sk-proj-Abc123Def456Ghi789Jkl012Mno345", /^sk-proj-[0-9A-Za-z]+$/],
    ["an Anthropic-style key", "sk-ant-api03-abcdefghijklmnop-QRSTUV_0123456789", /^sk-ant-api03-[\w-]+$/],
    ["a GitLab token", "glpat-abcdefghij0123456789", /^glpat-[0-9a-z]{20}$/],
  ])("keeps the shape of %s (prefix, length, character classes)", (_what, value, shape) => {
    const placeholder = secretPlaceholder("box", "TOKEN", value);
    expect(placeholder).toMatch(shape);
    expect(placeholder).toHaveLength(value.length);
    expect(placeholder).not.toBe(value);
    for (let i = 0; i < value.length; i++) {
      const classOf = (c: string) => (/\d/.test(c) ? "digit" : /[a-z]/.test(c) ? "lower" : /[A-Z]/.test(c) ? "upper" : c);
      expect(classOf(placeholder[i] ?? "")).toBe(classOf(value[i] ?? ""));
    }
  });

  it("gives a JWT a JWT of the same length that says it is a placeholder", () => {
    const jwt = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.${"x".repeat(43)}`;
    const placeholder = secretPlaceholder("box", "API_JWT", jwt);
    expect(placeholder).toHaveLength(jwt.length);
    const [header, payload] = placeholder.split(".");
    expect(JSON.parse(Buffer.from(header ?? "", "base64url").toString())).toEqual({ alg: "none", typ: "JWT" });
    expect(JSON.parse(Buffer.from(payload ?? "", "base64url").toString())).toEqual({ sub: "monoclaw-placeholder", name: "API_JWT" });
  });

  it("keeps the byte length of a value with non-ASCII characters without keeping them", () => {
    const value = "pässwörd-with-ümlauts-0123";
    const placeholder = secretPlaceholder("box", "P", value);
    expect(Buffer.byteLength(placeholder)).toBe(Buffer.byteLength(value));
    expect(placeholder).not.toMatch(/[äöü]/);
  });

  it("gives a short value a longer, unmistakable placeholder (a look-alike would turn up in ordinary text)", () => {
    expect(secretPlaceholder("box", "PIN", "1234")).toMatch(/^MONOCLAW_PLACEHOLDER_[0-9a-z]{12}$/);
  });

  it("is stable for a sandbox and name, differs between sandboxes, and does not depend on the value's characters", () => {
    const value = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
    expect(secretPlaceholder("box", "T", value)).toBe(secretPlaceholder("box", "T", value));
    expect(secretPlaceholder("box", "T", value)).not.toBe(secretPlaceholder("other", "T", value));
    // Same shape, other characters: same placeholder (it says nothing about the value but its shape).
    expect(secretPlaceholder("box", "T", "ghp_99A1b22C333d4444E5555f666677Gh888I9j")).toBe(secretPlaceholder("box", "T", value));
  });

  it("returns a placeholder that is not the value for a value of symbols or separators only (it recursed forever)", () => {
    const symbols = '!@#$%^&*()+{}|:"<>?';
    expect(secretPlaceholder("box", "PASSWORD", symbols)).toMatch(/^[a-z]{19}$/);
    // Nothing to draw: the shape would be the value itself.
    expect(secretPlaceholder("box", "PASSWORD", "----------------")).toMatch(/^MONOCLAW_PLACEHOLDER_[0-9a-z]{12}$/);
    expect(secretPlaceholder("box", "PASSWORD", "a-b-c-d-e-f-g-h-i")).toMatch(/^MONOCLAW_PLACEHOLDER_[0-9a-z]{12}$/);
  });

  it("does not hand the sandbox the symbols of a password: only the separators - _ . are kept", () => {
    const value = "p@ss!w0rd#with$many%symbols^and&more*";
    const placeholder = secretPlaceholder("box", "PASSWORD", value);
    expect(placeholder).toHaveLength(value.length);
    for (const [i, char] of [...value].entries()) if (!/[0-9A-Za-z\-_.]/.test(char)) expect(placeholder[i], `position ${i}`).toMatch(/[0-9A-Za-z]/);
    // Positive control: a token's separators stay where tools look for them.
    expect(secretPlaceholder("box", "K", "sk-ant-api03-abcdefghijklmnop-QRSTUV_0123456789")).toMatch(/^sk-ant-api03-[a-z]{16}-[A-Z]{6}_\d{10}$/);
  });
});
