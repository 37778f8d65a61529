import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** The version in this package's package.json (`monoclaw --version`). */
export const cliVersion: string = (require("../package.json") as { version: string }).version;
