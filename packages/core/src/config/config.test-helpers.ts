import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import type { BackendFactory } from "../backend/backend-factory.js";
import { BACKEND_SPECIFICATION_VERSION, type ExecutionBackend } from "../backend/execution-backend.js";

/** Backend factories with real schemas, for config tests: the loader must not know their fields. */
export function testFactories(created: unknown[] = []): BackendFactory[] {
  const make = <C>(name: string, configSchema: z.ZodType<C>): BackendFactory<C> => ({
    name,
    description: `${name} test backend`,
    configSchema,
    create(config, context) {
      created.push({ name, config, context });
      return { name, specificationVersion: BACKEND_SPECIFICATION_VERSION } as unknown as ExecutionBackend;
    },
  });
  return [
    make("host", z.object({ forward_env: z.array(z.string()).default([]) })) as BackendFactory,
    make(
      "docker",
      z.strictObject({
        image: z.string().default("ubuntu:24.04"),
        network: z.string().default("bridge"),
        volumes: z.array(z.string()).default([]),
        keep_warm: z.boolean().default(false),
        memory: z.string().optional(),
      }),
    ) as BackendFactory,
  ];
}

/** A fresh temporary directory, removed by the returned cleanup. */
export async function temporaryDirectory(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "monoclaw-config-"));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}
