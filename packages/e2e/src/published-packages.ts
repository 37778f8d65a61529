import { fileURLToPath } from "node:url";
import path from "node:path";

/** The repository root (this file is packages/e2e/src/published-packages.ts). */
export const workspaceRoot: string = fileURLToPath(new URL("../../../", import.meta.url));

export interface PublishedPackage {
  name: string;
  /** Directory relative to {@link workspaceRoot}. */
  dir: string;
  /** Executables the package installs, by name. */
  bins: readonly string[];
}

/** Every package the project publishes to npm, dependencies first. */
export const publishedPackages: readonly PublishedPackage[] = [
  { name: "@monoclaw/core", dir: "packages/core", bins: [] },
  { name: "@monoclaw/backend-host", dir: "packages/backend-host", bins: [] },
  { name: "@monoclaw/backend-docker", dir: "packages/backend-docker", bins: [] },
  { name: "monoclaw", dir: "apps/cli", bins: ["monoclaw"] },
  { name: "@monoclaw/mom", dir: "apps/mom", bins: ["mom"] },
];

export function packageDir(pkg: PublishedPackage): string {
  return path.join(workspaceRoot, pkg.dir);
}
