import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkKnownHost } from "./ssh-known-hosts.js";

const dir = mkdtempSync(join(tmpdir(), "monoclaw-known-hosts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh host key made by ssh-keygen: its known_hosts fields and the raw blob ssh2 hands to a host verifier. */
function hostKey(name: string): { line: string; blob: Buffer } {
  const file = join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file], { stdio: "pipe" });
  const [type, base64] = readFileSync(`${file}.pub`, "utf8").trim().split(" ");
  return { line: `${type} ${base64}`, blob: Buffer.from(base64!, "base64") };
}

const box = hostKey("box");
const other = hostKey("other");

describe("checkKnownHost", () => {
  it("matches a plain entry; port 22 is the bare name, other ports [host]:port", () => {
    const text = `# comment\n\nbuild-box,10.0.0.5 ${box.line}\n[127.0.0.1]:2222 ${box.line} me@laptop\n`;
    expect(checkKnownHost([text], "build-box", 22, box.blob)).toBe("match");
    expect(checkKnownHost([text], "10.0.0.5", 22, box.blob)).toBe("match");
    expect(checkKnownHost([text], "127.0.0.1", 2222, box.blob)).toBe("match");
    expect(checkKnownHost([text], "127.0.0.1", 22, box.blob)).toBe("unknown");
    expect(checkKnownHost([text], "build-box", 2222, box.blob)).toBe("unknown");
  });

  it("says mismatch when the host is known with another key (a possible impostor)", () => {
    expect(checkKnownHost([`build-box ${box.line}`], "build-box", 22, other.blob)).toBe("mismatch");
    expect(checkKnownHost([`build-box ${other.line}`, `build-box ${box.line}`], "build-box", 22, box.blob)).toBe("match");
  });

  it("matches entries hashed by ssh-keygen -H", () => {
    const file = join(dir, "hashed_known_hosts");
    writeFileSync(file, `build-box ${box.line}\n[127.0.0.1]:2222 ${box.line}\n`);
    execFileSync("ssh-keygen", ["-H", "-f", file], { stdio: "pipe" });
    const hashed = readFileSync(file, "utf8");
    expect(hashed).not.toContain("build-box");
    expect(checkKnownHost([hashed], "build-box", 22, box.blob)).toBe("match");
    expect(checkKnownHost([hashed], "127.0.0.1", 2222, box.blob)).toBe("match");
    expect(checkKnownHost([hashed], "build-box", 22, other.blob)).toBe("mismatch");
    expect(checkKnownHost([hashed], "elsewhere", 22, box.blob)).toBe("unknown");
  });

  it("follows wildcards and negations, @revoked and @cert-authority markers", () => {
    expect(checkKnownHost([`*.lab.example,!db.lab.example ${box.line}`], "ci.lab.example", 22, box.blob)).toBe("match");
    expect(checkKnownHost([`*.lab.example,!db.lab.example ${box.line}`], "db.lab.example", 22, box.blob)).toBe("unknown");
    expect(checkKnownHost([`box? ${box.line}`], "box1", 22, box.blob)).toBe("match");
    expect(checkKnownHost([`@revoked * ${box.line}`, `build-box ${box.line}`], "build-box", 22, box.blob)).toBe("revoked");
    expect(checkKnownHost([`@cert-authority * ${box.line}`], "build-box", 22, box.blob)).toBe("unknown");
  });
});
