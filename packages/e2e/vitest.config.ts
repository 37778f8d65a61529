import { mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.js";

// One file at a time: each packs every package, runs npm install and (the
// runtime image) docker build, which two cores should not do twice at once.
export default mergeConfig(shared, { test: { fileParallelism: false } });
