import { readFile } from "node:fs/promises";
import { isPair, isScalar, LineCounter, parseDocument, visit, type Document } from "yaml";
import type { z } from "zod";
import type { BackendFactory } from "../backend/backend-factory.js";
import { resolveConfigFile, type Env } from "./config-home.js";
import { ConfigError, type ConfigProblem } from "./config-error.js";
import { createConfigSchema, type MonoclawConfig } from "./config-schema.js";
import { locateKey } from "./document-location.js";
import { expandStrings } from "./expand-string.js";
import { formatKeyPath, valueAtPath } from "./key-path.js";
import { findUnknownKeys } from "./unknown-keys.js";
import { maskSecrets } from "./mask-secrets.js";

export interface ConfigContext {
  /** The backends the app knows (their `configSchema`s make up `terminal.<name>`). */
  factories: readonly BackendFactory[];
  /** Environment for `${VAR}`, `~` and `MONOCLAW_HOME`. Default `process.env`. */
  env?: Env;
  /** Where the app was started: default `terminal.cwd`. Default `process.cwd()`. */
  startDir?: string;
}

export interface LoadConfigOptions extends ConfigContext {
  /** The config file; default `$MONOCLAW_HOME/config.yaml` (`~/.monoclaw/config.yaml`). */
  file?: string;
  /**
   * What a `${VAR}` naming an unset variable (with no `:-default`) is:
   * `error` (default) makes it a {@link ConfigError} naming the key and the
   * variable; `keep` leaves the reference as written (used to validate edits
   * without depending on the editing shell's environment). Under `providers`
   * an unset variable is always kept as written: the model registry reports
   * it, naming the key, when that provider is actually used.
   */
  missingVariables?: "error" | "keep";
}

/** A config file, read, expanded and validated. */
export interface LoadedConfig {
  /** Absolute path of the config file, whether or not it exists. */
  file: string;
  /** False when there is no file (every setting is then its default). */
  exists: boolean;
  config: MonoclawConfig;
  /** Things that do not stop MonoClaw, e.g. unknown keys (each names the closest known key). */
  warnings: ConfigProblem[];
}

/** A parsed config document and the line table for its error messages. */
export interface ConfigDocument {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
}

/**
 * Reads, expands and validates the config file. A missing file is not an
 * error: every setting takes its default. Throws {@link ConfigError} for a file
 * that cannot be read, is not valid YAML, or does not validate; never for an
 * unknown key (a warning).
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const startDir = options.startDir ?? process.cwd();
  const file = options.file ?? resolveConfigFile(env, startDir);
  const text = await readConfigText(file);
  const parsed = parseConfigDocument(text ?? "", file);
  const { config, warnings } = evaluateConfig(parsed, { ...options, env, startDir });
  return { file, exists: text !== undefined, config, warnings };
}

/** The file's text, or undefined when it does not exist. Other read failures are a ConfigError. */
export async function readConfigText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new ConfigError(
      file,
      [
        {
          file,
          message: `cannot be read (${code ?? String(error)})`,
          fix:
            code === "EISDIR"
              ? "move the directory away; the config must be a file"
              : "make the file readable by this user, or point MONOCLAW_HOME at another directory",
        },
      ],
      { cause: error },
    );
  }
}

/** Parses YAML keeping positions. Throws a ConfigError with line and column for a syntax error. */
export function parseConfigDocument(text: string, file: string): ConfigDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, keepSourceTokens: false });
  if (doc.errors.length > 0) {
    // yaml often reports one mistake twice at the same place: keep the first per line.
    const errors = doc.errors.filter(
      (error, index) => doc.errors.findIndex((other) => lineCounter.linePos(other.pos[0]).line === lineCounter.linePos(error.pos[0]).line) === index,
    );
    const problems = errors.map((error): ConfigProblem => {
      const position = lineCounter.linePos(error.pos[0]);
      return {
        file,
        line: position.line,
        column: position.col,
        message: `is not valid YAML: ${firstLine(error.message)}`,
        fix: "correct the YAML at that line (indent with spaces, quote values containing ': ' or '#')",
      };
    });
    throw new ConfigError(file, problems);
  }
  return { file, doc, lineCounter };
}

/**
 * Turns a parsed document into the effective config: unknown keys become
 * warnings and are dropped, strings are expanded, then the composed schema
 * validates and fills in defaults. Throws one ConfigError listing every problem.
 */
export function evaluateConfig(
  parsed: ConfigDocument,
  options: ConfigContext & { missingVariables?: "error" | "keep" },
): { config: MonoclawConfig; warnings: ConfigProblem[] } {
  const { file, doc, lineCounter } = parsed;
  const env = options.env ?? process.env;
  const schema = createConfigSchema({ factories: options.factories, startDir: options.startDir ?? process.cwd() });
  const where = (path: readonly PropertyKey[]) => {
    const location = locateKey(doc, lineCounter, path);
    return location ? { line: location.line, column: location.column } : {};
  };

  const raw: unknown = expandAliases(parsed) ?? {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(file, [
      {
        file,
        ...where([]),
        message: `must be a mapping of keys (such as "terminal:"), not ${Array.isArray(raw) ? "a list" : `the value ${render(maskSecrets(raw))}`}`,
        fix: "write settings as `key: value` lines, e.g. `terminal:` then `  backend: host`",
      },
    ]);
  }

  const { pruned, unknown } = findUnknownKeys(raw, schema);
  const warnings = unknown.map((entry): ConfigProblem => {
    const key = formatKeyPath(entry.path);
    const parent = entry.path.slice(0, -1);
    const suggestion = entry.suggestion === undefined ? undefined : formatKeyPath([...parent, entry.suggestion]);
    return {
      file,
      key,
      ...where(entry.path),
      message: "is not a known key and is ignored",
      ...(suggestion !== undefined
        ? { fix: `did you mean ${suggestion}?` }
        : entry.known.length > 0
          ? { allowed: `known keys${parent.length > 0 ? ` under ${formatKeyPath(parent)}` : ""}: ${entry.known.join(", ")}` }
          : {}),
    };
  });

  const expanded = expandStrings(pruned, env);
  const problems: ConfigProblem[] = [];
  // Provider credentials matter only once a model is used: the model registry
  // expands what is left and names the unset variable then, so `exec`,
  // `config` and the backend never fail for an API key they do not need.
  // In `keep` mode every unset variable is a warning instead (shown as written).
  for (const { path, name } of expanded.missing) {
    const keep = options.missingVariables === "keep";
    if (!keep && path[0] === "providers") continue;
    (keep ? warnings : problems).push({
      file,
      key: formatKeyPath(path),
      ...where(path),
      message: `uses \${${name}}, but ${name} is not set in the environment${keep ? " (kept as written)" : ""}`,
      fix: `set ${name}, or write \${${name}:-default} for a fallback, or $\${${name}} for the literal text`,
    });
  }

  const result = schema.safeParse(expanded.value);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(describeIssue(issue, expanded.value, file, where));
  }
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { config: (result as { data: MonoclawConfig }).data, warnings };
}

/** How many alias expansions a config may make; more is an alias bomb (a few lines that expand to gigabytes). */
const MAX_ALIAS_COUNT = 1000;

/** The document as plain values; an alias bomb is a ConfigError located at its first alias, not a crash. */
function expandAliases({ file, doc, lineCounter }: ConfigDocument): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError) || !/alias count/i.test(error.message)) throw error;
    let first: { alias: string; offset: number; path: string[] } | undefined;
    visit(doc, {
      Alias(_key, node, ancestors) {
        const path = ancestors.flatMap((ancestor) => (isPair(ancestor) && isScalar(ancestor.key) ? [String(ancestor.key.value)] : []));
        first = { alias: node.source, offset: node.range?.[0] ?? 0, path };
        return visit.BREAK;
      },
    });
    const position = lineCounter.linePos(first?.offset ?? 0);
    throw new ConfigError(
      file,
      [
        {
          file,
          ...(first !== undefined && first.path.length > 0 ? { key: formatKeyPath(first.path) } : {}),
          line: position.line,
          column: position.col,
          message: `uses YAML aliases${first === undefined ? "" : ` (*${first.alias})`} that expand to more than ${MAX_ALIAS_COUNT} copies (an alias bomb?)`,
          fix: "write the values out in full instead of repeating them with & anchors and * aliases",
        },
      ],
      { cause: error },
    );
  }
}

function describeIssue(
  issue: z.core.$ZodIssue,
  data: unknown,
  file: string,
  where: (path: readonly PropertyKey[]) => { line?: number; column?: number },
): ConfigProblem {
  const path = issue.code === "unrecognized_keys" && issue.keys[0] !== undefined ? [...issue.path, issue.keys[0]] : issue.path;
  const key = formatKeyPath(path);
  const value = valueAtPath(data, path);
  return {
    file,
    key,
    ...where(path),
    message: value === undefined ? "is missing" : `is ${render(maskSecrets(value, path.at(-1)))}`,
    allowed: allowedText(issue),
    fix:
      value === undefined
        ? `add ${key} to the file, or run \`monoclaw config set ${key} <value>\``
        : `give it an allowed value (\`monoclaw config set ${key} <value>\`), or \`monoclaw config unset ${key}\` for the default`,
  };
}

const TYPE_NAMES: Record<string, string> = {
  object: "a section of `key: value` lines",
  array: "a list, e.g. [a, b]",
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
};

/** What the issue says would be accepted. Custom messages (ours and backends') are used as is. */
function allowedText(issue: z.core.$ZodIssue): string {
  const generic = /^(Invalid|Too (small|big)|Unrecognized)/.test(issue.message);
  if (!generic) return issue.message;
  switch (issue.code) {
    case "invalid_type":
      return TYPE_NAMES[issue.expected] ?? `a value of type ${issue.expected}`;
    case "invalid_value":
      return `one of ${issue.values.map((value) => render(value)).join(", ")}`;
    case "too_small":
      return issue.origin === "number"
        ? `a number ${issue.inclusive ? ">=" : ">"} ${String(issue.minimum)}`
        : `at least ${String(issue.minimum)} ${issue.origin === "string" ? "characters" : "items"}`;
    case "too_big":
      return issue.origin === "number"
        ? `a number ${issue.inclusive ? "<=" : "<"} ${String(issue.maximum)}`
        : `at most ${String(issue.maximum)} ${issue.origin === "string" ? "characters" : "items"}`;
    case "invalid_format":
      return `a valid ${issue.format}`;
    case "unrecognized_keys":
      return "no such key here";
    default:
      return issue.message;
  }
}

function render(value: unknown): string {
  // JSON has no infinity or NaN (it would print `null`): show them as YAML writes them.
  if (typeof value === "number" && !Number.isFinite(value)) return Number.isNaN(value) ? ".nan" : value > 0 ? ".inf" : "-.inf";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}
