import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { describeBackendConformance } from "@monoclaw/core/testing";
import { createHostBackend } from "./host-backend.js";

const workspace = mkdtempSync(join(tmpdir(), "monoclaw-host-conformance-"));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

describeBackendConformance("host", {
  createBackend: () => createHostBackend({ cwd: workspace }),
  // A shell that does not exist: the host backend's way of being unreachable.
  createUnreachableBackend: () => createHostBackend({ cwd: workspace, shell: "/nonexistent/monoclaw-no-such-shell" }),
});
