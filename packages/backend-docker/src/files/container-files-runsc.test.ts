import { afterAll, describe, expect, it } from "vitest";
import { DEBIAN, containerNames, testBackend, text } from "../docker.test-helpers.js";

// Files on the Debian image under gVisor (Debian's runsc 20221219): coreutils 9's stat and ls pass
// AT_NO_AUTOMOUNT to statx, which this gVisor refuses with EINVAL, so the backend's own scripts
// fall back to find -printf there.
const names = containerNames("mc-test-files-runsc");
afterAll(() => names.cleanup());

describe("files on the Debian image under runsc", () => {
  it("reads, writes, stats and lists although the image's own stat cannot statx there", async () => {
    const backend = testBackend(names.next(), { image: DEBIAN, runtime: "runsc" });
    try {
      // The difference this test is about: coreutils' stat fails in this sandbox.
      const own = await backend.exec("stat -c %s /etc/hostname");
      expect(own.exitCode).not.toBe(0);
      expect(text(own.stderr.head)).toContain("cannot statx");

      await backend.writeFile("dir/secret.txt", "kept\n", { mode: 0o600 });
      expect(text(await backend.readFile("dir/secret.txt"))).toBe("kept\n");
      // 100 KiB through the channel: its size check and its end-of-read check both need the file's size.
      const big = Buffer.alloc(100 * 1024, 7);
      await backend.writeFile("dir/big.bin", big);
      expect(Buffer.from(await backend.readFile("dir/big.bin")).equals(big)).toBe(true);
      await expect(backend.readFile("dir/big.bin", { maxBytes: 1024 })).rejects.toMatchObject({ code: "EFBIG" });

      const file = await backend.stat("dir/secret.txt");
      expect(file).toMatchObject({ kind: "file", size: 5, mode: 0o600 });
      expect(Math.abs(file.modifiedMs - Date.now())).toBeLessThan(120_000);
      expect(await backend.stat("dir")).toMatchObject({ kind: "directory" });
      await backend.exec("ln -s secret.txt dir/link");
      expect(await backend.stat("dir/link")).toMatchObject({ kind: "file", size: 5 });
      await expect(backend.stat("dir/missing")).rejects.toMatchObject({ code: "ENOENT" });
      expect((await backend.listDirectory("dir")).map((entry) => entry.name).sort()).toEqual(["big.bin", "link", "secret.txt"]);
      // procfs: stat says 0 bytes, the read goes to the end.
      expect(text(await backend.readFile("/proc/self/status"))).toContain("Name:");
    } finally {
      await backend.dispose();
    }
  });
});
