import { createRequire } from "node:module";

// The bundled bin (scripts/bundle-bin.mjs) has the version written in as this constant: its chunks do not sit
// where the relative path below expects package.json. The unbundled library reads the file.
declare const MONOCLAW_BUNDLED_VERSION: string | undefined;

/** The version in this package's package.json (`monoclaw --version`). */
export const cliVersion: string =
  typeof MONOCLAW_BUNDLED_VERSION === "string" ? MONOCLAW_BUNDLED_VERSION : (createRequire(import.meta.url)("../package.json") as { version: string }).version;
