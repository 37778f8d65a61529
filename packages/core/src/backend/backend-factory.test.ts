import { describe, expect, it } from "vitest";
import { SUPPORTED_BACKEND_SPECIFICATION_VERSIONS, assertSupportedBackend } from "./backend-factory.js";
import { BACKEND_SPECIFICATION_VERSION, type ExecutionBackend } from "./execution-backend.js";

const stating = (specificationVersion: unknown, name: unknown = "thirdparty"): ExecutionBackend =>
  ({ name, specificationVersion }) as unknown as ExecutionBackend;

describe("assertSupportedBackend", () => {
  it("passes a backend of the current specification through unchanged", () => {
    const backend = stating(BACKEND_SPECIFICATION_VERSION);
    expect(assertSupportedBackend(backend)).toBe(backend);
    expect(SUPPORTED_BACKEND_SPECIFICATION_VERSIONS).toContain("v1");
  });

  it("refuses an unknown, missing or non-string version with one line naming the backend and the supported versions", () => {
    expect(() => assertSupportedBackend(stating("v9"))).toThrow(
      /^Backend "thirdparty" states specificationVersion "v9", but this MonoClaw supports backend specification v1\. /,
    );
    expect(() => assertSupportedBackend(stating(undefined), "my-backend")).toThrow(
      /^Backend "my-backend" states no specificationVersion, but this MonoClaw supports backend specification v1\. /,
    );
    expect(() => assertSupportedBackend(stating(1, ""))).toThrow(/^Backend "\(unnamed\)" states specificationVersion 1, /);
    expect(() => assertSupportedBackend(stating("v9"))).toThrow(
      /Install a version of the backend package made for it, or upgrade monoclaw and @monoclaw\/core\.$/,
    );
  });
});
