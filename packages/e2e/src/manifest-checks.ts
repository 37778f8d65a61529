import type { PackedPackage } from "./pack-and-install.js";

/**
 * What is wrong with a packed package as a published npm package, one
 * sentence per problem (empty when nothing is): README and LICENSE shipped,
 * ESM with an `exports` map whose every target (types included) is in the
 * tarball, a `files` list, top-level `types` (libraries), every bin shipped, no test
 * files, and no `workspace:`, `link:` or `file:` range left in what npm
 * installs.
 */
export function manifestProblems(pkg: PackedPackage): string[] {
  const problems: string[] = [];
  const { manifest, files } = pkg;
  const shipped = new Set(files);
  const has = (file: string) => shipped.has(file.replace(/^\.\//, ""));

  if (manifest.private) problems.push("is marked private");
  if (!files.some((file) => /^readme(\.md)?$/i.test(file))) problems.push("ships no README");
  if (!files.some((file) => /^licen[cs]e(\.md|\.txt)?$/i.test(file))) problems.push("ships no LICENSE");
  if (!manifest.license) problems.push("has no license field");
  if (manifest.type !== "module") problems.push('is not ESM ("type": "module")');
  if (!Array.isArray(manifest.files) || manifest.files.length === 0) problems.push("has no files list");
  if (!manifest.engines?.node) problems.push("has no engines.node");
  const testFiles = files.filter((file) => /\.test(-helpers)?\.(js|d\.ts)$|(^|\/)\.test-results\//.test(file));
  if (testFiles.length > 0) problems.push(`ships test files: ${testFiles.slice(0, 3).join(", ")}`);

  if (manifest.exports === undefined || typeof manifest.exports !== "object") {
    problems.push("has no exports map");
  } else {
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      if (subpath === "./package.json") continue;
      if (typeof target !== "object" || target === null) {
        problems.push(`exports["${subpath}"] has no conditions (types, import)`);
        continue;
      }
      const conditions = target as Record<string, unknown>;
      if (typeof conditions.types !== "string") problems.push(`exports["${subpath}"] has no types condition`);
      else if (Object.keys(conditions)[0] !== "types") problems.push(`exports["${subpath}"]: types must be the first condition`);
      for (const [condition, file] of Object.entries(conditions)) {
        if (typeof file === "string" && !has(file)) problems.push(`exports["${subpath}"].${condition} -> ${file} is not in the tarball`);
      }
    }
  }
  // Libraries also serve TypeScript's older `node10` resolution, which reads only the top-level field.
  if (manifest.exports?.["."] !== undefined && manifest.bin === undefined) {
    if (!manifest.types) problems.push("has no top-level types field (for older resolvers)");
    else if (!has(manifest.types)) problems.push(`types -> ${manifest.types} is not in the tarball`);
  }

  const bins = typeof manifest.bin === "string" ? { [manifest.name]: manifest.bin } : (manifest.bin ?? {});
  for (const [name, file] of Object.entries(bins)) {
    if (!has(file)) problems.push(`bin ${name} -> ${file} is not in the tarball`);
  }

  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"] as const) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (range.startsWith("workspace:") || range.startsWith("link:") || range.startsWith("file:")) {
        problems.push(`${field}.${dep} is "${range}", which npm cannot install`);
      }
    }
  }
  return problems;
}
