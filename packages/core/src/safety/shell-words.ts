/**
 * A small, bounded parser for the shell language, enough for the
 * destructive-command gate to see what a command line would run: quotes
 * (`'...'`, `"..."`, `$'...'`), backslashes, separators (`;` `&&` `||` `|`
 * `&` newlines), subshells and groups (`( )`, `{ }`), command substitution
 * (`$( )`, backticks, `<( )`), redirections and here-documents.
 *
 * Best effort, by design: it never throws and never runs anything. Input it
 * cannot read the way a shell would (unterminated quotes, nesting deeper than
 * `MAX_SHELL_DEPTH`) is still parsed as far as it goes and reported in
 * `problems`. Expansions (`$VAR`, `$(...)`) are kept as parts, not
 * evaluated: the caller decides what their values can be.
 */

/** One piece of a word, in order. */
export type WordPart =
  /** Literal characters. `quoted` ones are not globbed nor tilde-expanded. */
  | { kind: "text"; text: string; quoted: boolean }
  /**
   * `$NAME` or `${NAME...}`; `modifier` is what follows the name inside the
   * braces (`:-y` in `${X:-y}`), `#` for `${#X}`, empty for none.
   */
  | { kind: "param"; name: string; modifier: string; quoted: boolean }
  /** `$( )`, backticks, `<( )`, `>( )`: the commands inside, run before the word is used. */
  | { kind: "command"; body: ShellList }
  /** `$(( ))`: a number nobody here computes. */
  | { kind: "arithmetic" };

export interface Word {
  parts: WordPart[];
}

export interface Redirect {
  /** `>`, `>>`, `<`, `<<`, `<<-`, `<<<`, `>|`, `&>`, `&>>`, `<>`, `>&`, `<&`. */
  op: string;
  /** The file (or, for `<<`, the delimiter; for `<<<`, the string). */
  target: Word;
  /** A here-document's body; `quoted` when the delimiter was quoted (no expansions in the body). */
  hereDoc?: { text: string; quoted: boolean; word?: Word };
}

export interface SimpleCommand {
  type: "simple";
  words: Word[];
  redirects: Redirect[];
}

/** `( list )` (a subshell: `cd` inside does not leak out) or `{ list; }` and function bodies. */
export interface GroupCommand {
  type: "group";
  subshell: boolean;
  body: ShellList;
  redirects: Redirect[];
}

export type ShellCommand = SimpleCommand | GroupCommand;

/** Commands joined by `|`: each one's output is the next one's input. */
export interface Pipeline {
  commands: ShellCommand[];
}

/** Pipelines in the order they run (`;`, `&&`, `||`, `&` and newlines all keep that order). */
export interface ShellList {
  pipelines: Pipeline[];
}

export interface ParsedShell {
  list: ShellList;
  /** What the parser could not read as a shell would, e.g. `unterminated ' quote`. */
  problems: string[];
  /** True when nesting went past the limit: everything after that point was not read. */
  truncated: boolean;
}

/** How deep `( { $( \` <(` may nest before the parser stops reading. */
export const MAX_SHELL_DEPTH = 48;
/** How many words the parser reads before it stops (a bound on time and memory for huge inputs). */
export const MAX_SHELL_WORDS = 200_000;

const RESERVED_PREFIXES = new Set(["if", "then", "elif", "else", "do", "while", "until", "!"]);
const BLANK = new Set([" ", "\t"]);
const WORD_END = new Set([" ", "\t", "\n", ";", "&", "|", "<", ">", "(", ")"]);
/** Characters a word cannot simply copy (word ends, quotes, escapes, expansions), by char code. */
const SPECIAL = new Uint8Array(128);
for (const c of [...WORD_END, "\\", "'", '"', "$", "`"]) SPECIAL[c.charCodeAt(0)] = 1;

/** Parses a command line. Linear in its length; never throws. */
export function parseShell(input: string): ParsedShell {
  return new ShellParser(input, 0).parseAll();
}

/** The word's text when it has no expansions at all (quotes removed), else undefined. */
export function literalText(word: Word): string | undefined {
  let text = "";
  for (const part of word.parts) {
    if (part.kind !== "text") return undefined;
    text += part.text;
  }
  return text;
}

class ShellParser {
  private pos = 0;
  private readonly problems: string[] = [];
  private truncated = false;
  private words = 0;
  private pendingHereDocs: Array<{ redirect: Redirect; delimiter: string; stripTabs: boolean }> = [];

  constructor(
    private readonly input: string,
    private depth: number,
  ) {}

  parseAll(): ParsedShell {
    const list = this.parseList("eof");
    return { list, problems: this.problems, truncated: this.truncated };
  }

  /** Reads pipelines until `end`: end of input, `)`, or a `}` word at command position. */
  private parseList(end: "eof" | ")" | "}"): ShellList {
    const pipelines: Pipeline[] = [];
    for (;;) {
      this.skipSeparators();
      if (this.atEnd()) {
        if (end !== "eof" && !this.truncated) this.problem(`missing ${end === ")" ? "')'" : "'}'"}`);
        return { pipelines };
      }
      const c = this.input[this.pos]!;
      if (c === ")") {
        this.pos++;
        if (end === ")") return { pipelines };
        continue; // a `case` pattern's `)` or a stray one: keep reading.
      }
      if (end === "}" && c === "}" && this.endsWord(this.pos + 1)) {
        this.pos++;
        return { pipelines };
      }
      const before = this.pos;
      const pipeline = this.parsePipeline();
      if (pipeline.commands.length > 0) pipelines.push(pipeline);
      if (this.pos === before) this.pos++; // never loop on a character nothing consumes
    }
  }

  private parsePipeline(): Pipeline {
    const commands: ShellCommand[] = [];
    for (;;) {
      const command = this.parseCommand();
      if (command !== undefined) commands.push(command);
      this.skipBlanks();
      const c = this.input[this.pos];
      if (c === "|" && this.input[this.pos + 1] !== "|") {
        this.pos += this.input[this.pos + 1] === "&" ? 2 : 1;
        this.skipBlanksAndNewlines();
        continue;
      }
      return { commands };
    }
  }

  private parseCommand(): ShellCommand | undefined {
    this.skipBlanks();
    if (this.truncated || this.atEnd()) return undefined;
    const c = this.input[this.pos]!;
    if (c === "(" && this.input[this.pos + 1] === "(") {
      this.skipArithmetic(2);
      return { type: "simple", words: [], redirects: this.readRedirects() };
    }
    if (c === "(") {
      this.pos++;
      return this.nested(() => ({ type: "group", subshell: true, body: this.parseList(")"), redirects: this.readRedirects() }));
    }
    if (c === "{" && this.endsWord(this.pos + 1)) {
      this.pos++;
      return this.nested(() => ({ type: "group", subshell: false, body: this.parseList("}"), redirects: this.readRedirects() }));
    }
    return this.parseSimpleCommand();
  }

  private parseSimpleCommand(): ShellCommand | undefined {
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    for (;;) {
      this.skipBlanks();
      if (this.truncated || this.atEnd()) break;
      const c = this.input[this.pos]!;
      if (words.length === 0 && (c === "(" || (c === "{" && this.endsWord(this.pos + 1)))) return this.parseCommand();
      const redirect = this.readRedirect();
      if (redirect !== undefined) {
        redirects.push(redirect);
        continue;
      }
      if (WORD_END.has(c) && !this.startsProcessSubstitution()) {
        // `name () { ...; }`: a function definition; its body is what can run.
        if (c === "(" && words.length === 1 && this.isEmptyParens()) return this.parseFunctionBody();
        break;
      }
      const word = this.readWord();
      if (word === undefined) break;
      const text = literalText(word);
      // `then rm ...`, `! rm ...`: after a reserved word comes a command position again.
      if (words.length === 0 && text !== undefined && RESERVED_PREFIXES.has(text) && word.parts.every((p) => p.kind === "text" && !p.quoted)) continue;
      if (words.length === 1 && literalText(words[0]!) === "function" && text !== undefined) {
        // `function name { ...; }` or `function name () ...`
        this.skipBlanks();
        if (this.isEmptyParens() || this.input[this.pos] === "{") return this.parseFunctionBody();
      }
      words.push(word);
    }
    return { type: "simple", words, redirects };
  }

  private isEmptyParens(): boolean {
    let i = this.pos;
    if (this.input[i] !== "(") return false;
    i++;
    while (BLANK.has(this.input[i] ?? "")) i++;
    return this.input[i] === ")";
  }

  private parseFunctionBody(): ShellCommand | undefined {
    if (this.isEmptyParens()) this.pos = this.input.indexOf(")", this.pos) + 1;
    this.skipBlanksAndNewlines();
    return this.nested(() => this.parseCommand());
  }

  private readRedirects(): Redirect[] {
    const redirects: Redirect[] = [];
    for (;;) {
      this.skipBlanks();
      const redirect = this.readRedirect();
      if (redirect === undefined) return redirects;
      redirects.push(redirect);
    }
  }

  /** A redirection at the cursor (with an optional fd number before it), or undefined. */
  private readRedirect(): Redirect | undefined {
    const first = this.input[this.pos]!;
    if (first !== "<" && first !== ">" && first !== "&" && !(first >= "0" && first <= "9")) return undefined;
    let i = this.pos;
    while (i < this.input.length && this.input[i]! >= "0" && this.input[i]! <= "9") i++;
    const rest = this.input.slice(i, i + 3);
    const op = ["&>>", "<<<", "<<-", "&>", ">>", ">|", ">&", "<&", "<>", "<<", ">", "<"].find((o) => rest.startsWith(o));
    if (op === undefined || (i > this.pos && op.startsWith("&"))) return undefined;
    if ((op === "<" || op === ">") && this.input[i + 1] === "(") return undefined; // process substitution
    this.pos = i + op.length;
    this.skipBlanks();
    const target = this.readWord() ?? { parts: [] };
    const redirect: Redirect = { op, target };
    if (op === "<<" || op === "<<-") {
      const delimiter = target.parts.map((p) => (p.kind === "text" ? p.text : p.kind === "param" ? `$${p.name}` : "")).join("");
      const quoted = target.parts.some((p) => p.kind === "text" && p.quoted);
      redirect.hereDoc = { text: "", quoted };
      this.pendingHereDocs.push({ redirect, delimiter, stripTabs: op === "<<-" });
    }
    return redirect;
  }

  /** Reads one word; undefined at an operator or the end. */
  private readWord(): Word | undefined {
    const parts: WordPart[] = [];
    let text = "";
    const flush = () => {
      if (text !== "") parts.push({ kind: "text", text, quoted: false });
      text = "";
    };
    if (this.input[this.pos] === "#") {
      const newline = this.input.indexOf("\n", this.pos);
      this.pos = newline === -1 ? this.input.length : newline;
      return undefined;
    }
    while (!this.atEnd() && !this.truncated) {
      // Fast path: a run of ordinary characters.
      let end = this.pos;
      for (let code = this.input.charCodeAt(end); end < this.input.length && (code >= 128 || SPECIAL[code] === 0); code = this.input.charCodeAt(++end));
      if (end > this.pos) {
        text += this.input.slice(this.pos, end);
        this.pos = end;
        continue;
      }
      const c = this.input[this.pos]!;
      if (this.startsProcessSubstitution()) {
        flush();
        this.pos += 2;
        parts.push(this.nested(() => ({ kind: "command", body: this.parseList(")") })));
        continue;
      }
      if (c === "(" && text.endsWith("=")) {
        text += this.readBalanced("(", ")"); // `arr=(a b c)`
        continue;
      }
      if (WORD_END.has(c)) break;
      if (c === "\\") {
        const next = this.input[this.pos + 1];
        this.pos += 2;
        if (next === undefined || next === "\n") continue;
        flush();
        parts.push({ kind: "text", text: next, quoted: true });
        continue;
      }
      if (c === "'") {
        flush();
        parts.push({ kind: "text", text: this.readSingleQuoted(), quoted: true });
        continue;
      }
      if (c === '"') {
        flush();
        this.pos++;
        for (const part of this.readDoubleQuoted(false)) parts.push(part);
        continue;
      }
      if ((c === "$" || c === "`") && this.pushExpansion(false, parts, flush)) continue;
      text += c;
      this.pos++;
    }
    flush();
    if (parts.length === 0) return undefined;
    if (++this.words > MAX_SHELL_WORDS) this.stop(`more than ${MAX_SHELL_WORDS} words long`);
    return { parts };
  }

  private readSingleQuoted(): string {
    const close = this.input.indexOf("'", this.pos + 1);
    if (close === -1) {
      this.problem("unterminated ' quote");
      const text = this.input.slice(this.pos + 1);
      this.pos = this.input.length;
      return text;
    }
    const text = this.input.slice(this.pos + 1, close);
    this.pos = close + 1;
    return text;
  }

  /**
   * Reads after an opening `"` up to its closing one (or, for a here-document
   * body, to the end, where `"` is an ordinary character).
   */
  readDoubleQuoted(hereDoc: boolean): WordPart[] {
    const parts: WordPart[] = [];
    let text = "";
    const flush = () => {
      if (text !== "") parts.push({ kind: "text", text, quoted: true });
      text = "";
    };
    for (;;) {
      if (this.atEnd() || this.truncated) {
        if (!hereDoc && !this.truncated) this.problem('unterminated " quote');
        break;
      }
      const c = this.input[this.pos]!;
      if (c === '"' && !hereDoc) {
        this.pos++;
        break;
      }
      if (c === "\\") {
        const next = this.input[this.pos + 1];
        const escapes = hereDoc ? "$`\\\n" : '$`"\\\n';
        if (next !== undefined && escapes.includes(next)) {
          if (next !== "\n") text += next;
          this.pos += 2;
          continue;
        }
      }
      if ((c === "$" || c === "`") && this.pushExpansion(true, parts, flush)) continue;
      text += c;
      this.pos++;
    }
    flush();
    // `""` is an empty word, not no word.
    if (parts.length === 0) parts.push({ kind: "text", text: "", quoted: true });
    return parts;
  }

  /** Reads the expansion at the cursor onto `parts` (text before it flushed first); false when `$` is just a character. */
  private pushExpansion(quoted: boolean, parts: WordPart[], flush: () => void): boolean {
    const expansion = this.readExpansion(quoted);
    if (expansion === undefined) return false;
    flush();
    for (const part of expansion) parts.push(part);
    return true;
  }

  /** `$...` or a backtick at the cursor, or undefined when `$` is just a character. */
  private readExpansion(quoted: boolean): WordPart[] | undefined {
    const c = this.input[this.pos]!;
    const next = this.input[this.pos + 1];
    if (c === "`") {
      this.pos++;
      return [this.nested(() => ({ kind: "command", body: this.readBacktickBody() }))];
    }
    if (next === "'" && !quoted) {
      this.pos++;
      return [{ kind: "text", text: this.readAnsiC(), quoted: true }];
    }
    if (next === '"' && !quoted) {
      this.pos += 2;
      return this.readDoubleQuoted(false);
    }
    if (next === "(" && this.input[this.pos + 2] === "(") {
      this.skipArithmetic(3);
      return [{ kind: "arithmetic" }];
    }
    if (next === "(") {
      this.pos += 2;
      return [this.nested(() => ({ kind: "command", body: this.parseList(")") }))];
    }
    if (next === "{") {
      this.pos++;
      const inner = this.readBalanced("{", "}").slice(1, -1);
      const length = inner.startsWith("#") && inner.length > 1;
      const name = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9@*#?$!-]/.exec(length ? inner.slice(1) : inner)?.[0] ?? "";
      const rest = inner.slice(name.length + (length ? 1 : 0));
      const param: WordPart = { kind: "param", name, modifier: length ? "#" : rest, quoted };
      // `${X:-$(cmd)}`: the default's substitutions run too.
      if (!/[$`]/.test(rest)) return [param];
      const commands = this.nested(() => this.parseExpanded(rest)).parts.filter((p) => p.kind === "command");
      return [param, ...commands];
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9@*#?$!-]/.exec(this.input.slice(this.pos + 1, this.pos + 256))?.[0];
    if (name === undefined) return undefined;
    this.pos += 1 + name.length;
    return [{ kind: "param", name, modifier: "", quoted }];
  }

  /** `$'...'`: backslash escapes as in C (`\n`, `\x41`, `\101`, `\u0041`, `\'`). */
  private readAnsiC(): string {
    let text = "";
    this.pos++; // the opening quote
    const simple: Record<string, string> = {
      n: "\n",
      t: "\t",
      r: "\r",
      a: "\x07",
      b: "\b",
      e: "\x1b",
      E: "\x1b",
      f: "\f",
      v: "\v",
      "\\": "\\",
      "'": "'",
      '"': '"',
      "?": "?",
    };
    while (!this.atEnd()) {
      const c = this.input[this.pos]!;
      if (c === "'") {
        this.pos++;
        return text;
      }
      if (c !== "\\") {
        text += c;
        this.pos++;
        continue;
      }
      const e = this.input[this.pos + 1] ?? "";
      const hex = /^(?:x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{1,4})|U([0-9a-fA-F]{1,8})|([0-7]{1,3}))/.exec(this.input.slice(this.pos + 1, this.pos + 11));
      if (simple[e] !== undefined) {
        text += simple[e];
        this.pos += 2;
      } else if (hex !== null) {
        const code = Number.parseInt(hex[1] ?? hex[2] ?? hex[3] ?? "", 16) || Number.parseInt(hex[4] ?? "0", 8);
        text += code <= 0x10ffff ? String.fromCodePoint(code) : "";
        this.pos += 1 + hex[0].length;
      } else {
        text += `\\${e}`;
        this.pos += 2;
      }
    }
    this.problem("unterminated $' quote");
    return text;
  }

  /** A backtick body: `\``, `\\` and `\$` are unescaped, then the text is parsed on its own. */
  private readBacktickBody(): ShellList {
    let body = "";
    while (!this.atEnd()) {
      const c = this.input[this.pos]!;
      if (c === "`") {
        this.pos++;
        return new ShellParser(body, this.depth).parseNested(this);
      }
      if (c === "\\" && "`\\$".includes(this.input[this.pos + 1] ?? "")) {
        body += this.input[this.pos + 1];
        this.pos += 2;
        continue;
      }
      body += c;
      this.pos++;
    }
    this.problem("unterminated ` quote");
    return new ShellParser(body, this.depth).parseNested(this);
  }

  /** Reads `text` as a here-document body is read (expansions, no quotes), as one level deeper. */
  private parseExpanded(text: string): Word {
    if (this.truncated) return { parts: [] };
    const inner = new ShellParser(text, this.depth);
    const word: Word = { parts: inner.readDoubleQuoted(true) };
    this.problems.push(...inner.problems);
    if (inner.truncated) this.halt();
    return word;
  }

  /** Parses this (inner) parser's input and hands its problems to `outer`. */
  private parseNested(outer: ShellParser): ShellList {
    const result = this.parseAll();
    outer.problems.push(...result.problems);
    if (result.truncated) outer.halt();
    return result.list;
  }

  /** From an opening bracket at the cursor to its match, quotes respected; returns the text read. */
  private readBalanced(open: string, close: string): string {
    const start = this.pos;
    let level = 0;
    while (!this.atEnd()) {
      const c = this.input[this.pos]!;
      if (c === "\\") {
        this.pos += 2;
        continue;
      }
      if (c === "'" && open !== "{") {
        this.readSingleQuoted();
        continue;
      }
      this.pos++;
      if (c === open) level++;
      else if (c === close && --level === 0) return this.input.slice(start, this.pos);
    }
    this.problem(`missing '${close}'`);
    return this.input.slice(start);
  }

  private skipArithmetic(openLength: number): void {
    this.pos += openLength - 2;
    this.readBalanced("(", ")");
  }

  private nested<T>(read: () => T): T {
    this.depth++;
    if (this.depth > MAX_SHELL_DEPTH) this.stop();
    try {
      return read();
    } finally {
      this.depth--;
    }
  }

  /** Nesting went too deep: stop reading, and say so. */
  private stop(why = `nested more than ${MAX_SHELL_DEPTH} levels deep`): void {
    if (!this.truncated) this.problem(why);
    this.halt();
  }

  /** Stops reading without saying why (an inner parser already did). */
  private halt(): void {
    this.truncated = true;
    this.pos = this.input.length;
  }

  private startsProcessSubstitution(): boolean {
    const c = this.input[this.pos];
    return (c === "<" || c === ">") && this.input[this.pos + 1] === "(";
  }

  private skipSeparators(): void {
    for (;;) {
      this.skipBlanks();
      const c = this.input[this.pos];
      if (c === "\n") this.readNewline();
      else if (c === ";" || c === "&" || (c === "|" && this.input[this.pos + 1] === "|")) this.pos += c === "|" ? 2 : 1;
      else return;
    }
  }

  private skipBlanks(): void {
    for (;;) {
      const c = this.input[this.pos];
      if (c !== undefined && BLANK.has(c)) this.pos++;
      else if (c === "\\" && this.input[this.pos + 1] === "\n") this.pos += 2;
      else if (c === "#")
        this.readWord(); // a comment: skipped to the end of the line
      else return;
    }
  }

  private skipBlanksAndNewlines(): void {
    for (;;) {
      this.skipBlanks();
      if (this.input[this.pos] !== "\n") return;
      this.readNewline();
    }
  }

  /** Consumes a newline and the bodies of the here-documents waiting for it. */
  private readNewline(): void {
    this.pos++;
    const pending = this.pendingHereDocs;
    this.pendingHereDocs = [];
    for (const { redirect, delimiter, stripTabs } of pending) {
      const lines: string[] = [];
      while (!this.atEnd()) {
        const newline = this.input.indexOf("\n", this.pos);
        const end = newline === -1 ? this.input.length : newline;
        let line = this.input.slice(this.pos, end);
        this.pos = newline === -1 ? end : end + 1;
        if (stripTabs) line = line.replace(/^\t+/, "");
        if (line === delimiter) break;
        lines.push(line);
      }
      const hereDoc = redirect.hereDoc!;
      hereDoc.text = lines.length === 0 ? "" : `${lines.join("\n")}\n`;
      if (!hereDoc.quoted) hereDoc.word = this.nested(() => this.parseExpanded(hereDoc.text));
    }
  }

  private endsWord(index: number): boolean {
    const c = this.input[index];
    return c === undefined || WORD_END.has(c);
  }

  private atEnd(): boolean {
    return this.pos >= this.input.length;
  }

  private problem(message: string): void {
    if (this.problems.length < 10) this.problems.push(message);
  }
}
