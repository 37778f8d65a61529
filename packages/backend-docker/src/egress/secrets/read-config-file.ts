import { constants } from "node:fs";
import { open } from "node:fs/promises";

/**
 * Reads a file the config names (`from_file`, `upstream_ca_file`) on
 * MonoClaw's side: a regular file only (a FIFO would block, a device never
 * end), never through a link at its last component (a sandbox could have made
 * one in a mounted directory), and at most `maxBytes`. Rejects with an Error
 * whose message says why: the errno code, or the rule that refused it.
 */
export async function readConfigFile(path: string, maxBytes: number): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === "ELOOP" ? "it is a symbolic link, which MonoClaw does not follow here" : (error.code ?? error.message));
  });
  try {
    if (!(await handle.stat()).isFile()) throw new Error("it is not a regular file");
    const buffer = Buffer.alloc(maxBytes + 1);
    const { bytesRead } = await handle.read(buffer, 0, maxBytes + 1, 0);
    if (bytesRead > maxBytes) throw new Error(`it is larger than ${maxBytes} bytes`);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
}
