import { ENVIRONMENT_VARIABLE_NAME, ENVIRONMENT_VARIABLE_NAME_HINT } from "@monoclaw/core/backend";
import { z } from "zod";

const envName = z.string().regex(ENVIRONMENT_VARIABLE_NAME, { error: ENVIRONMENT_VARIABLE_NAME_HINT });

/**
 * The `terminal.host` section of the config file. Parsing `{}` gives every
 * default. `terminal.cwd` and `terminal.timeout` are shared settings and
 * arrive through the factory context instead.
 */
export const hostConfigSchema = z
  .object({
    /** Variables set for every command (literal values; `${VAR}` is expanded by the config loader). */
    env: z
      .record(envName, z.string({ error: "a string value" }), {
        error: (issue) => (issue.code === "invalid_key" ? ENVIRONMENT_VARIABLE_NAME_HINT : "a map of NAME: value, e.g. { FOO: bar }"),
      })
      .default({}),
    /** Host variables passed through even though their names look secret (e.g. `GITHUB_TOKEN`). */
    forward_env: z.array(envName, { error: "a list of variable names, e.g. [GITHUB_TOKEN]" }).default([]),
    /** Shell for commands and sessions; default `bash` when installed, else `/bin/sh`. */
    shell: z.string({ error: "the path of a POSIX shell, e.g. /bin/bash" }).min(1).optional(),
  })
  .strict();

/** The parsed `terminal.host` section. */
export type HostConfig = z.infer<typeof hostConfigSchema>;
