import { isCollection, isMap, isScalar, parse as parseYaml, type Document } from "yaml";
import { resolveConfigFile } from "./config-home.js";
import { ConfigError, type ConfigProblem } from "./config-error.js";
import { createConfigSchema } from "./config-schema.js";
import { closestMatch } from "./edit-distance.js";
import { formatKeyPath, parseKeyPath } from "./key-path.js";
import { evaluateConfig, parseConfigDocument, readConfigText, type ConfigContext, type ConfigDocument } from "./load-config.js";
import { lookupKey } from "./schema-keys.js";
import { writeFileAtomic } from "./atomic-write.js";
import { withFileLock } from "./file-lock.js";
import { spliceScalar } from "./scalar-splice.js";
import { MASKED_VALUE, isSecretConfigValue } from "./mask-secrets.js";

/** How an edited document is printed: long lines stay long, flow lists read `[a, b]`. */
const PRINT_OPTIONS = { lineWidth: 0, flowCollectionPadding: false } as const;

export interface EditConfigOptions extends ConfigContext {
  /** The config file; default `$MONOCLAW_HOME/config.yaml`. Created (0600, directory 0700) by `set` when missing. */
  file?: string;
}

export interface EditResult {
  file: string;
  /** False when the file already said this (nothing was written). */
  changed: boolean;
  /** Warnings about the file after the edit (unknown keys elsewhere in it). */
  warnings: ConfigProblem[];
}

/**
 * Reads a value given on the command line as YAML: `true`, `300`, `[a, b]`,
 * `{a: 1}`, and anything else as a string (`docker`, `ubuntu:24.04`).
 * Throws a ConfigError when it is not valid YAML (such as `[a, b`); the
 * message quotes the text unless it is a secret (by `key` or by its shape).
 */
export function parseValueText(text: string, file: string, key?: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch (error) {
    throw new ConfigError(file, [
      {
        file,
        message: `the value ${isSecretConfigValue(key?.split(".").at(-1), text) ? MASKED_VALUE : JSON.stringify(text)} is not valid YAML (${(error as Error).message.split("\n")[0]})`,
        fix: "quote it, e.g. '\"text: with colon\"', or write lists as [a, b]",
      },
    ]);
  }
}

/**
 * Sets `key` (dotted path) to `value` in the config file, keeping every
 * comment and the layout of everything else: a scalar is replaced in place
 * (every other byte of the file unchanged, its quote style and trailing
 * comment kept); new keys and sections go through the yaml Document API.
 *
 * Validates before writing: an unknown key, or a value that makes the file
 * invalid, throws a ConfigError and leaves the file byte-for-byte untouched.
 * Problems the file already had elsewhere do not block the edit, so a broken
 * file can be repaired one key at a time. The write is atomic (see
 * {@link writeFileAtomic}). `${VAR}` references are validated as written:
 * the editing shell's environment does not matter.
 */
export async function setConfigValue(key: string, value: unknown, options: EditConfigOptions): Promise<EditResult> {
  return editConfig(key, options, (doc, segments, file, original) => {
    const existing = doc.getIn(segments, true);
    if (isScalar(existing) && !isObjectLike(value)) {
      if (Object.is(existing.value, value)) return undefined;
      const spliced = spliceScalar(original, existing, value, segments);
      if (spliced !== undefined) return spliced;
      if (typeof existing.value !== typeof value) delete existing.type;
      existing.value = value;
      return doc.toString(PRINT_OPTIONS);
    }
    try {
      doc.setIn(segments, doc.createNode(value));
      return doc.toString(PRINT_OPTIONS);
    } catch {
      throw new ConfigError(file, [
        {
          file,
          key,
          message: "cannot be set because a parent key holds a plain value, not a section",
          fix: `look at the parents of ${key} in the file, or \`monoclaw config unset\` the one in the way`,
        },
      ]);
    }
  });
}

/**
 * Removes `key` from the config file (its default applies again), keeping
 * comments and layout; sections left empty by the removal are removed too.
 * Not having the key is not an error (`changed: false`). Validates and writes
 * like {@link setConfigValue}.
 */
export async function unsetConfigValue(key: string, options: EditConfigOptions): Promise<EditResult> {
  return editConfig(key, options, (doc, segments) => {
    if (!doc.hasIn(segments)) return undefined;
    keepFileHeader(doc, segments);
    doc.deleteIn(segments);
    for (let depth = segments.length - 1; depth > 0; depth--) {
      const parent = doc.getIn(segments.slice(0, depth), true);
      if (!isCollection(parent) || parent.items.length > 0) break;
      doc.deleteIn(segments.slice(0, depth));
    }
    return doc.toString(PRINT_OPTIONS);
  });
}

/** The comment above the file's first key usually describes the file: it stays when that key goes. */
function keepFileHeader(doc: Document, segments: readonly string[]): void {
  const root = doc.contents;
  if (!isMap(root)) return;
  const first = root.items[0];
  if (first === undefined || !isScalar(first.key) || String(first.key.value) !== segments[0]) return;
  const header = first.key.commentBefore;
  if (header === undefined || header === null) return;
  doc.commentBefore = doc.commentBefore ? `${doc.commentBefore}\n${header}` : header;
  first.key.commentBefore = undefined;
  // The document comment is already followed by a blank line.
  const next = root.items[1]?.key;
  if (isScalar(next)) next.spaceBefore = false;
}

/** Edits the document and returns the file's new text, or undefined when nothing changes. */
type ApplyEdit = (doc: Document, segments: string[], file: string, original: string) => string | undefined;

async function editConfig(key: string, options: EditConfigOptions, apply: ApplyEdit): Promise<EditResult> {
  const env = options.env ?? process.env;
  const startDir = options.startDir ?? process.cwd();
  const context: EditContext = { ...options, env, startDir, missingVariables: "keep" };
  const file = options.file ?? resolveConfigFile(env, startDir);
  const segments = checkConfigKey(key, file, context);
  // Another `config set` between our read and our write would be lost.
  return withFileLock(file, () => editFile(file, key, segments, context, apply));
}

type EditContext = ConfigContext & { missingVariables: "keep" };

async function editFile(file: string, key: string, segments: string[], context: EditContext, apply: ApplyEdit): Promise<EditResult> {
  const original = (await readConfigText(file)) ?? "";
  const before = parseConfigDocument(original, file);
  const problemsBefore = problemKeys(before, context);
  if (before.doc.contents !== null && !isMap(before.doc.contents)) {
    evaluateConfig(before, context); // throws the "must be a mapping" error
  }
  const text = apply(before.doc, segments, file, original);
  if (text === undefined || text === original) return { file, changed: false, warnings: [] };

  const after = parseConfigDocument(text, file);
  let warnings: ConfigProblem[];
  try {
    warnings = evaluateConfig(after, context).warnings;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const introduced = error.problems
      .filter((problem) => problem.key === undefined || isWithin(problem.key, key) || !problemsBefore.has(problemId(problem)))
      // The value came from the command line: a line number in the never-written file would mislead.
      .map((problem) => (problem.key !== undefined && isWithin(problem.key, key) ? withoutPosition(problem) : problem));
    if (introduced.length > 0) throw new ConfigError(file, introduced);
    warnings = [];
  }
  await writeFileAtomic(file, text);
  return { file, changed: true, warnings };
}

/**
 * Splits a dotted key path and checks it against the composed schema.
 * Throws a ConfigError for a malformed path or an unknown key, naming the
 * keys known at that level and the closest one.
 */
export function checkConfigKey(key: string, file: string, context: ConfigContext): string[] {
  const segments = parseKeyPath(key);
  if (segments === undefined) {
    throw new ConfigError(file, [{ file, key, message: "is not a key path", allowed: "dot-separated key names, e.g. terminal.backend" }]);
  }
  const lookup = lookupKey(createConfigSchema({ factories: context.factories, startDir: context.startDir ?? process.cwd() }), segments);
  if (lookup.found) return segments;
  const parent = segments.slice(0, lookup.unknownAt);
  const wrong = segments[lookup.unknownAt] ?? "";
  const suggestion = closestMatch(wrong, lookup.known);
  throw new ConfigError(file, [
    {
      file,
      key,
      message: lookup.unknownAt === segments.length - 1 ? "is not a known key" : `is not a known key (${formatKeyPath([...parent, wrong])} does not exist)`,
      ...(lookup.known.length > 0 ? { allowed: `under ${parent.length > 0 ? formatKeyPath(parent) : "the top level"}: ${lookup.known.join(", ")}` } : {}),
      ...(suggestion !== undefined ? { fix: `did you mean ${formatKeyPath([...parent, suggestion, ...segments.slice(lookup.unknownAt + 1)])}?` } : {}),
    },
  ]);
}

function problemKeys(parsed: ConfigDocument, context: Parameters<typeof evaluateConfig>[1]): Set<string> {
  try {
    evaluateConfig(parsed, context);
    return new Set();
  } catch (error) {
    if (error instanceof ConfigError) return new Set(error.problems.map(problemId));
    throw error;
  }
}

function problemId(problem: ConfigProblem): string {
  return `${problem.key ?? ""}\u0000${problem.message}\u0000${problem.allowed ?? ""}`;
}

function isWithin(problemKey: string, editedKey: string): boolean {
  return problemKey === editedKey || problemKey.startsWith(`${editedKey}.`) || editedKey.startsWith(`${problemKey}.`);
}

function withoutPosition({ line: _line, column: _column, ...rest }: ConfigProblem): ConfigProblem {
  return rest;
}

function isObjectLike(value: unknown): boolean {
  return value !== null && typeof value === "object";
}
