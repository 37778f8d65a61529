import type { DockerConfig } from "../docker-config.js";

/**
 * Turns the engine's refusal of a resource limit into one line naming the
 * key, the value and the fix; undefined for other engine text. The schema
 * already refuses what can be known without the engine (memory below 6 MiB,
 * cpus below 0.01); how many CPUs the engine has is known only to it.
 */
export function resourceLimitMessage(engineText: string, config: Pick<DockerConfig, "cpus" | "memory">): string | undefined {
  // Docker: "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available".
  const cpus = /Range of CPUs is from [\d.]+ to ([\d.]+), as there (?:are|is) only (\d+) CPUs? available/i.exec(engineText);
  if (cpus && config.cpus !== undefined) {
    const most = Number(cpus[1]);
    return (
      `terminal.docker.cpus: ${config.cpus} is more than the engine's ${cpus[2]} CPUs; ` +
      `give at most ${most} (\`monoclaw config set terminal.docker.cpus ${most}\`), or \`monoclaw config unset terminal.docker.cpus\` for no limit`
    );
  }
  if (/Minimum memory limit allowed is/i.test(engineText) && config.memory !== undefined) {
    return `terminal.docker.memory: ${JSON.stringify(config.memory)} is below the engine's minimum (${engineText.trim()}); give a size such as 512m (\`monoclaw config set terminal.docker.memory 512m\`)`;
  }
  return undefined;
}
