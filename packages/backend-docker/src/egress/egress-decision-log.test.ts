import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEgressDecisionLog } from "./egress-decision-log.js";
import type { EgressRecord } from "./egress-log.js";

const dir = mkdtempSync(join(tmpdir(), "monoclaw-decision-log-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const record = (time: string, host: string): EgressRecord => ({ time, sandbox: "box", decision: "refused", host, port: 443 });
const lines = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean);

describe("MonoClaw's egress decision log", () => {
  it("appends each decision once although commands' windows overlap, and skips the proxy's own events", async () => {
    const file = join(dir, "a", "box.jsonl");
    const log = createEgressDecisionLog(file);
    const first = record("2026-12-01T10:00:00.000Z", "one.test");
    const second = record("2026-12-01T10:00:00.000Z", "two.test");
    await log.append([first, { time: "2026-12-01T10:00:00.000Z", sandbox: "box", event: "policy" }]);
    await log.append([first, second]);
    await log.append([second, record("2026-12-01T10:00:01.000Z", "three.test")]);
    expect(lines(file).map((line) => (JSON.parse(line) as EgressRecord).host)).toEqual(["one.test", "two.test", "three.test"]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("moves a log past 16 MiB aside before appending, so disk stays bounded", async () => {
    const file = join(dir, "big.jsonl");
    writeFileSync(file, "x".repeat(16 * 1024 * 1024 + 1));
    await createEgressDecisionLog(file).append([record("2026-12-01T10:00:02.000Z", "four.test")]);
    expect(lines(file)).toHaveLength(1);
    expect(statSync(`${file}.1`).size).toBe(16 * 1024 * 1024 + 1);
  });
});
