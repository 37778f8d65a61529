import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { packageDir, type PublishedPackage } from "./published-packages.js";
import { runChecked } from "./run-command.js";

export interface PackedPackage {
  name: string;
  version: string;
  /** Absolute path of the .tgz. */
  tarball: string;
  /** Paths inside the tarball, relative to its `package/` root. */
  files: string[];
  /** The manifest as published (pnpm has replaced `workspace:` ranges). */
  manifest: PackageManifest;
}

export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  type?: string;
  main?: string;
  types?: string;
  bin?: Record<string, string> | string;
  exports?: Record<string, unknown>;
  files?: string[];
  license?: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/**
 * `pnpm pack` one workspace package into `destination` (which must exist),
 * exactly as `pnpm publish` would upload it. Needs the package built.
 */
export async function packPackage(pkg: PublishedPackage, destination: string): Promise<PackedPackage> {
  const { stdout } = await runChecked("pnpm", ["pack", "--json", "--pack-destination", destination], {
    cwd: packageDir(pkg),
  });
  const packed = JSON.parse(stdout) as { name: string; version: string; filename: string; files: { path: string }[] };
  const manifest = await runChecked("tar", ["-xzOf", packed.filename, "package/package.json"]);
  return {
    name: packed.name,
    version: packed.version,
    tarball: packed.filename,
    files: packed.files.map((file) => file.path),
    manifest: JSON.parse(manifest.stdout) as PackageManifest,
  };
}

/**
 * Makes `projectDir` a fresh npm project and installs the tarballs into it the
 * way a user installs from the registry (`npm install`), with third-party
 * dependencies from the npm registry. Install scripts are skipped: the only
 * ones in the tree are optional native builds (cpu-features, ssh2) that would
 * fetch Node headers from outside the registry; the workspace skips them too.
 */
export async function installTarballs(projectDir: string, tarballs: readonly string[]): Promise<void> {
  await mkdir(projectDir, { recursive: true });
  await writeFile(
    path.join(projectDir, "package.json"),
    JSON.stringify({ name: "monoclaw-e2e-consumer", version: "0.0.0", private: true, type: "module" }, null, 2) + "\n",
  );
  await runChecked("npm", ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", "--engine-strict", ...tarballs], {
    cwd: projectDir,
    env: npmEnv(),
    timeoutMs: 900_000,
  });
}

/**
 * Where npm resolved each installed package from, read from the project's
 * package-lock.json (`node_modules/<name>` -> `resolved`).
 */
export async function resolvedSources(projectDir: string): Promise<Map<string, string>> {
  const lock = JSON.parse(await readFile(path.join(projectDir, "package-lock.json"), "utf8")) as {
    packages: Record<string, { resolved?: string }>;
  };
  const sources = new Map<string, string>();
  for (const [location, entry] of Object.entries(lock.packages)) {
    if (location.startsWith("node_modules/") && entry.resolved !== undefined) {
      sources.set(location.slice("node_modules/".length), entry.resolved);
    }
  }
  return sources;
}

/** The environment for npm, without the workspace's pnpm/npm settings leaking in from the test runner. */
export function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|PNPM_|pnpm_)/i.test(key)) env[key] = value;
  }
  return env;
}
