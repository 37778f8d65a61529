import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, setConfigValue } from "@monoclaw/core/config";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dockerBackendFactory } from "./docker-backend-factory.js";
import { dockerConfigSchema } from "./docker-config.js";

const RANGE = "a whole number of seconds from 0 to 2147483 (about 24.8 days); 0: stop only at exit";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "monoclaw-docker-durations-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("terminal.docker.idle_timeout is a duration a timer can wait for", () => {
  it.each([9_999_999, 2_147_484, Number.POSITIVE_INFINITY, Number.NaN, -1, 1.5, "300"])(
    "refuses %s (a huge one would stop the container after every command)",
    (value) => {
      const result = dockerConfigSchema.safeParse({ idle_timeout: value });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toBe(RANGE);
    },
  );

  it("accepts 0 (only at exit), the default and the longest a timer can wait for", () => {
    for (const value of [0, 300, 2_147_483]) expect(dockerConfigSchema.parse({ idle_timeout: value }).idle_timeout).toBe(value);
    expect(dockerConfigSchema.parse({}).idle_timeout).toBe(300);
  });

  it("config set refuses it with the key, the value, the range and the fix, leaving the file as it was", async () => {
    const file = join(dir, "config.yaml");
    const options = { factories: [dockerBackendFactory], env: { HOME: dir }, startDir: dir, file };
    await setConfigValue("terminal.docker.idle_timeout", 600, options);
    const error = await setConfigValue("terminal.docker.idle_timeout", 9_999_999, options).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(`terminal.docker.idle_timeout is 9999999; allowed: ${RANGE}; fix: `);
    expect(readFileSync(file, "utf8")).toBe("terminal:\n  docker:\n    idle_timeout: 600\n");
  });
});
