import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { startLocalSshd } from "./local-sshd.js";

/** The first line an SSH server sends on connect. */
function banner(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    socket.setEncoding("utf8");
    socket.once("data", (line: string) => {
      socket.destroy();
      resolve(line.trim());
    });
    socket.once("error", reject);
  });
}

describe("startLocalSshd", () => {
  it("runs OpenSSH on 127.0.0.1 with an ed25519 host key, and stop() ends it", async () => {
    const sshd = await startLocalSshd("");
    try {
      expect(await banner(sshd.port)).toMatch(/^SSH-2\.0-OpenSSH_/);
      expect(sshd.hostKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+$/);
    } finally {
      await sshd.stop();
    }
    await expect(banner(sshd.port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
