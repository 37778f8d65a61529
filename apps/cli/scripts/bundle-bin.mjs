#!/usr/bin/env node
// Bundles `monoclaw`'s bin (src/bin.ts) with esbuild into dist/bin.js and dist/chunks/: start-up is most of what a
// short command costs, and Node resolving, reading and compiling some 260 separate modules was most of that.
// Each dynamic import (a command's module, the agent, the Docker backend's main parts) stays its own chunk, so a
// command still loads only what it uses. The library entry (dist/index.js, `import "monoclaw"`) stays tsc's output.
//
// Left out of the bundle (EXTERNAL): modules that load files from next to themselves or native parts (dockerode's
// gRPC session and BuildKit modules: .proto files; ssh2: optional native crypto and cpu-features). Node resolves
// them from the bundle's own location, so monoclaw must declare each package as a dependency of its own, with the
// same version as the workspace package that imports it; the build stops when it does not.
//
// Bundled modules that read files next to themselves (import.meta.url, __dirname) get those files copied next to
// the chunk that holds them (FILES_NEXT_TO_MODULES); the build stops on any other such module it has not been told
// about, rather than ship a bin that fails later on a missing file.
import { chmodSync, cpSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const distDir = join(packageDir, "dist");
const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));

/** Packages the bundle imports at run time from node_modules (see above). */
const EXTERNAL = ["ssh2", "dockerode/lib/session.js", "dockerode/lib/buildkit.js"];

/** A bundled module (path suffix) that reads files next to itself, and the directory beside it that it reads. */
const FILES_NEXT_TO_MODULES = [{ module: "/backend-docker/dist/egress/egress-proxy-source.js", directory: "proxy" }];

/**
 * Modules that mention import.meta.url or __dirname without reading a file next to themselves in any path the CLI
 * takes, each with the reason.
 */
const NO_FILES_NEXT_TO_THEM = [
  // The version is written into the bundle (MONOCLAW_BUNDLED_VERSION); only the unbundled library reads package.json.
  "apps/cli/src/version.ts",
  // Commander looks next to itself only for stand-alone executable subcommands, which monoclaw does not use.
  "/commander/lib/command.js",
];

const fail = (message) => {
  console.error(`bundle-bin: ${message}`);
  process.exit(1);
};

/**
 * Zod's `z.locales` namespace (error messages in 40-odd languages, a third of zod's code) is kept whole by any
 * `import { z } from "zod"`, since esbuild cannot drop unused members of a re-exported namespace object. Nothing in
 * monoclaw uses `z.locales` (zod sets its English messages from their own module), so the bundle leaves it empty.
 */
const withoutZodLocales = {
  name: "without-zod-locales",
  setup(builder) {
    builder.onResolve({ filter: /\/locales\/index\.js$/ }, ({ importer }) =>
      /\/node_modules\/zod\//.test(importer) ? { path: "zod-locales", namespace: "without-zod-locales" } : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: "without-zod-locales" }, () => ({ contents: "export {};", loader: "js" }));
  },
};

/**
 * `@monoclaw/backend-docker/factory` as the CLI's start-up imports it (config schema, refusals, image tag), without
 * its `dockerBackendFactory` re-export: that one brings the whole backend along, and the CLI takes the backend from
 * the package's main entry when a command first uses it (the deferred factory in src/backends.ts). A bundler keeps
 * a module a kept module re-exports from, used or not, so the start-up chunks would hold the backend otherwise.
 */
const FACTORY_REEXPORT = /^export \{ dockerBackendFactory \} from "\.\/docker-backend-factory\.js";$/m;
const dockerFactoryEntryWithoutFactory = {
  name: "docker-factory-entry-without-factory",
  setup(builder) {
    builder.onResolve({ filter: /^@monoclaw\/backend-docker\/factory$/ }, async ({ path, importer, kind, resolveDir, pluginData }) => {
      if (pluginData === "resolving again") return undefined;
      const resolved = await builder.resolve(path, { importer, kind, resolveDir, pluginData: "resolving again" });
      return resolved.errors.length > 0 ? { errors: resolved.errors } : { path: resolved.path, namespace: "docker-factory-entry" };
    });
    builder.onLoad({ filter: /.*/, namespace: "docker-factory-entry" }, ({ path }) => {
      const source = readFileSync(path, "utf8");
      if (!FACTORY_REEXPORT.test(source))
        fail(`${path} no longer re-exports dockerBackendFactory as scripts/bundle-bin.mjs expects (FACTORY_REEXPORT): update the pattern`);
      return { contents: source.replace(FACTORY_REEXPORT, ""), loader: "js", resolveDir: dirname(path) };
    });
  },
};

/**
 * dockerode loads its gRPC session module (and with it @grpc/grpc-js and protobufjs, which read .proto files
 * next to themselves) when it loads, for BuildKit builds only: `require("dockerode")` alone took 2.7x a bare
 * `node -e 0` here. docker-modem likewise loads ssh2 at once for its own ssh transport, which MonoClaw does not
 * use (its ssh:// engines go through ssh-dial-agent.ts). The bundle holds dockerode and docker-modem, and turns
 * those `require`s into ones made on first call: the session and BuildKit modules from the installed dockerode
 * (EXTERNAL), docker-modem's ssh transport from the bundle.
 */
const DEFERRED_REQUIRES = [
  { importer: /\/node_modules\/dockerode\/lib\/docker\.js$/, request: "./session", module: "dockerode/lib/session.js", call: true },
  { importer: /\/node_modules\/dockerode\/lib\/docker\.js$/, request: "./buildkit", module: "dockerode/lib/buildkit.js", call: false },
  { importer: /\/node_modules\/docker-modem\/lib\/modem\.js$/, request: "./ssh", module: "./ssh.js", call: true },
];
const deferredRequires = {
  name: "deferred-requires",
  setup(builder) {
    builder.onResolve({ filter: /^\.\/(session|buildkit|ssh)$/ }, ({ path, importer }) => {
      const deferred = DEFERRED_REQUIRES.find((entry) => entry.request === path && entry.importer.test(importer));
      return deferred === undefined ? undefined : { path: `${importer}|${path}`, namespace: "deferred-require", pluginData: { deferred, importer } };
    });
    builder.onLoad({ filter: /.*/, namespace: "deferred-require" }, ({ pluginData: { deferred, importer } }) => ({
      // A function the importer calls, or (BuildKit's progress helpers, required inside a function already) the module itself.
      contents: deferred.call
        ? `module.exports = function () { return require(${JSON.stringify(deferred.module)}).apply(this, arguments); };`
        : `module.exports = require(${JSON.stringify(deferred.module)});`,
      loader: "js",
      resolveDir: dirname(importer),
    }));
  },
};

checkExternalsAreDependencies();
rmSync(join(distDir, "chunks"), { recursive: true, force: true });
const result = await build({
  absWorkingDir: packageDir,
  entryPoints: { bin: "src/bin.ts" },
  outdir: "dist",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  external: EXTERNAL,
  metafile: true,
  logLevel: "warning",
  // Published output has no source maps (the sources are not published), as tsconfig.build.json says.
  sourcemap: false,
  // Less text for Node to read and parse at every start; names are kept, so error names and stack frames still read.
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [withoutZodLocales, dockerFactoryEntryWithoutFactory, deferredRequires],
  define: { MONOCLAW_BUNDLED_VERSION: JSON.stringify(manifest.version) },
  // Bundled CommonJS modules (commander) call require() for Node's built-ins.
  banner: { js: 'import { createRequire as __monoclawCreateRequire } from "node:module";\nconst require = __monoclawCreateRequire(import.meta.url);' },
});
copyFilesNextToModules(result.metafile);
chmodSync(join(distDir, "bin.js"), 0o755);

/** Each external must be one of monoclaw's dependencies, at the version the workspace package using it pins. */
function checkExternalsAreDependencies() {
  const workspacePackages = Object.keys(manifest.dependencies).filter((name) => manifest.dependencies[name].startsWith("workspace:"));
  for (const name of new Set(EXTERNAL.map(packageNameOf))) {
    const ours = manifest.dependencies[name];
    for (const workspaceName of workspacePackages) {
      const theirs = JSON.parse(readFileSync(join(packageDir, "node_modules", workspaceName, "package.json"), "utf8")).dependencies?.[name];
      if (theirs !== undefined && ours !== theirs)
        fail(
          `apps/cli/package.json: dependencies.${name} is ${ours === undefined ? "missing" : JSON.stringify(ours)}, but the bundle leaves ${name} ` +
            `external and ${workspaceName} uses ${JSON.stringify(theirs)}: set dependencies.${name} to ${JSON.stringify(theirs)} and run pnpm install`,
        );
    }
    if (ours === undefined) fail(`apps/cli/package.json: the bundle leaves ${name} external, so it must be in dependencies: add it and run pnpm install`);
  }
}

/** `dockerode/lib/session.js` -> `dockerode`, `@scope/name/x` -> `@scope/name`. */
function packageNameOf(specifier) {
  return specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");
}

function copyFilesNextToModules(metafile) {
  const readsNextToItself = /import\.meta\.(url|dirname|filename)|__dirname|__filename/;
  for (const [output, { inputs }] of Object.entries(metafile.outputs)) {
    for (const input of Object.keys(inputs)) {
      if (input.startsWith("without-zod-locales:")) continue;
      if (input.startsWith("docker-factory-entry:") || input.startsWith("deferred-require:")) continue;
      const absolute = resolve(packageDir, input);
      const known = FILES_NEXT_TO_MODULES.find(({ module }) => absolute.endsWith(module));
      if (known !== undefined) {
        cpSync(join(dirname(absolute), known.directory), join(packageDir, dirname(output), known.directory), { recursive: true });
        continue;
      }
      if (NO_FILES_NEXT_TO_THEM.some((suffix) => absolute.endsWith(suffix))) continue;
      if (readsNextToItself.test(readFileSync(absolute, "utf8")))
        fail(
          `${relative(packageDir, absolute)} uses import.meta.url or __dirname, so it may read files next to itself, which the bundle ` +
            `(${output}) does not have: list it in FILES_NEXT_TO_MODULES or NO_FILES_NEXT_TO_THEM in apps/cli/scripts/bundle-bin.mjs, or add its package to EXTERNAL`,
        );
    }
  }
}
