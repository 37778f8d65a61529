import { z } from "zod";
import { hostRule } from "../egress-config.js";

/**
 * One entry of `terminal.docker.secrets`: where MonoClaw reads the real value
 * (exactly one source) and the hosts the egress proxy may send it to.
 */
export const secretConfigSchema = z
  .object({
    /** A variable of MonoClaw's own environment. */
    from_env: z.string().min(1).optional(),
    /** A file on MonoClaw's side (`~` is your home); one trailing newline is dropped. */
    from_file: z.string().min(1).optional(),
    /** A command run by `sh -c` on MonoClaw's side; its standard output, trimmed. Fails closed. */
    from_command: z.string().min(1).optional(),
    /** Hosts the value is sent to (port 443 unless a `:port` is given), as in `egress.allow`. */
    hosts: z.array(hostRule).min(1, "must name at least one host the secret may be sent to, such as [api.github.com]"),
  })
  .strict()
  .refine((secret) => [secret.from_env, secret.from_file, secret.from_command].filter((source) => source !== undefined).length === 1, {
    message: "must have exactly one of from_env, from_file or from_command",
  });

export type SecretConfig = z.output<typeof secretConfigSchema>;
