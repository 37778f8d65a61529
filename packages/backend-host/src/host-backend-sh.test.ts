import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { describeBackendConformance } from "@monoclaw/core/testing";
import { createHostBackend } from "./host-backend.js";

// The same suite with terminal.host.shell set to /bin/sh (dash on Debian), not bash.
const workspace = mkdtempSync(join(tmpdir(), "monoclaw-host-sh-conformance-"));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

describeBackendConformance("host with /bin/sh", {
  createBackend: () => createHostBackend({ cwd: workspace, shell: "/bin/sh" }),
  // A shell that does not exist: the host backend's way of being unreachable.
  createUnreachableBackend: () => createHostBackend({ cwd: workspace, shell: "/nonexistent/monoclaw-no-such-shell" }),
});
