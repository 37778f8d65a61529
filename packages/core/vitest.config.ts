import { fileURLToPath } from "node:url";
import { mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.js";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Core's own tests drive the agent through real backends. A backend depends
 * on core, so core cannot list one as a dependency (turbo rejects the
 * cycle); instead the tests load the backends' sources, and every
 * `@monoclaw/core` import (theirs included) resolves to core's sources, so
 * one copy of each class (BackendError...) is in play.
 */
export default mergeConfig(shared, {
  resolve: {
    alias: [
      { find: /^@monoclaw\/core$/, replacement: here("./src/index.ts") },
      { find: /^@monoclaw\/core\/backend$/, replacement: here("./src/backend/index.ts") },
      { find: /^@monoclaw\/core\/config$/, replacement: here("./src/config/index.ts") },
      { find: /^@monoclaw\/backend-host$/, replacement: here("../backend-host/src/index.ts") },
      { find: /^@monoclaw\/backend-docker$/, replacement: here("../backend-docker/src/index.ts") },
    ],
  },
});
