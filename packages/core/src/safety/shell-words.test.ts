import { describe, expect, it } from "vitest";
import { MAX_SHELL_DEPTH, MAX_SHELL_WORDS, parseShell, type ShellList, type Word } from "./shell-words.js";

/** A word as text: literal parts as they are, `$NAME` for parameters, `$(…)` for substitutions. */
function show(word: Word): string {
  return word.parts.map((p) => (p.kind === "text" ? p.text : p.kind === "param" ? `$${p.name}` : p.kind === "command" ? "$(…)" : "$((…))")).join("");
}

/** Every simple command in order, each followed by the commands inside its substitutions. */
function commands(list: ShellList): string[][] {
  const out: string[][] = [];
  for (const pipeline of list.pipelines) {
    for (const command of pipeline.commands) {
      if (command.type === "group") {
        out.push(...commands(command.body));
        continue;
      }
      if (command.words.length > 0) out.push(command.words.map(show));
      for (const word of command.words) for (const part of word.parts) if (part.kind === "command") out.push(...commands(part.body));
    }
  }
  return out;
}

describe("parseShell", () => {
  const cases: Array<[string, string, string[][]]> = [
    ["single quotes keep blanks and operators literal", "echo 'a; b | c && d'", [["echo", "a; b | c && d"]]],
    ['double quotes keep blanks; backslash escapes " and $ inside them', 'echo "a \\"b\\" \\$x"', [["echo", 'a "b" $x']]],
    ["ANSI-C $'...' decodes hex, octal, \\' and \\n", "$'\\x72\\155' $'it\\'s' $'a\\nb'", [["rm", "it's", "a\nb"]]],
    ["a backslash outside quotes escapes the next character", "\\rm a\\ b", [["rm", "a b"]]],
    ["adjacent quoted pieces join into one word", "r''m \"-\"rf '/'", [["rm", "-rf", "/"]]],
    ["backslash-newline continues the line", "rm -rf \\\n/", [["rm", "-rf", "/"]]],
    ["every separator ends a command: ; && || | & newline", "a;b&&c||d|e&f\ng", [["a"], ["b"], ["c"], ["d"], ["e"], ["f"], ["g"]]],
    ["subshells and brace groups hold their commands", "(a; b) && { c; }", [["a"], ["b"], ["c"]]],
    [
      "$( ) and backtick bodies are parsed as commands",
      "echo $(a x) `b y`",
      [
        ["echo", "$(…)", "$(…)"],
        ["a", "x"],
        ["b", "y"],
      ],
    ],
    [
      "a substitution inside double quotes is still a command",
      'echo "$(a x)"',
      [
        ["echo", "$(…)"],
        ["a", "x"],
      ],
    ],
    ["process substitution <( ) is a command", "diff <(a) x", [["diff", "$(…)", "x"], ["a"]]],
    ["a comment ends at the newline", "a # b; c\nd", [["a"], ["d"]]],
    ["# inside a word is not a comment", "echo a#b", [["echo", "a#b"]]],
    ["reserved words are not command names", "if a; then b; else c; fi; while d; do e; done", [["a"], ["b"], ["c"], ["fi"], ["d"], ["e"], ["done"]]],
    ["! negation is not a command name", "! a", [["a"]]],
    ["function bodies are parsed (name () and function name)", "f() { a; }; function g { b; }", [["a"], ["b"]]],
    ["parameters stay parameters, quoted or not", 'echo $HOME "${X}" ${Y:-z} $1', [["echo", "$HOME", "$X", "$Y", "$1"]]],
    ["a substitution in a ${X:-default} is seen", "echo ${X:-$(a)}", [["echo", "$X$(…)"], ["a"]]],
    ["an array assignment stays one word", "arr=(a b) c", [["arr=(a b)", "c"]]],
    ["$(( )) is arithmetic, not a command", "echo $((1 + 2))", [["echo", "$((…))"]]],
    ["an escaped backtick inside backticks nests", "echo `a \\`b\\``", [["echo", "$(…)"], ["a", "$(…)"], ["b"]]],
    ["case patterns' ) do not end the list", "case x in x) a;; esac", [["case", "x", "in", "x"], ["a"], ["esac"]]],
  ];
  it.each(cases)("%s", (_name, input, expected) => {
    const parsed = parseShell(input);
    expect(commands(parsed.list)).toEqual(expected);
    expect(parsed.problems).toEqual([]);
  });

  it("keeps redirections apart from words, with their operators", () => {
    const [command] = parseShell("a > /etc/x 2>&1 >>log <in &>all").list.pipelines[0]!.commands;
    expect(command).toMatchObject({ type: "simple" });
    if (command?.type !== "simple") return;
    expect(command.words.map(show)).toEqual(["a"]);
    expect(command.redirects.map((r) => [r.op, show(r.target)])).toEqual([
      [">", "/etc/x"],
      [">&", "1"],
      [">>", "log"],
      ["<", "in"],
      ["&>", "all"],
    ]);
  });

  it("reads here-document bodies: a quoted delimiter keeps $ literal, an unquoted one parses substitutions", () => {
    const parsed = parseShell("cat <<'EOF' >a\n$(x)\nEOF\ncat <<-END\n\t$(y)\n\tEND\necho after");
    const [first, second, third] = parsed.list.pipelines.map((p) => p.commands[0]!);
    if (first?.type !== "simple" || second?.type !== "simple") throw new Error("expected simple commands");
    expect(first.redirects[0]!.hereDoc).toEqual({ text: "$(x)\n", quoted: true });
    expect(second.redirects[0]!.hereDoc?.quoted).toBe(false);
    expect(second.redirects[0]!.hereDoc?.word?.parts.some((p) => p.kind === "command")).toBe(true);
    expect(third).toMatchObject({ type: "simple" });
    expect(commands({ pipelines: [{ commands: [third!] }] })).toEqual([["echo", "after"]]);
  });

  it("keeps an empty quoted string as an (empty) word", () => {
    expect(commands(parseShell('rm -rf ""').list)).toEqual([["rm", "-rf", ""]]);
  });
});

describe("parseShell on hostile input", () => {
  const MB = 1 << 20;
  const unterminated: Array<[string, string]> = [
    ["an unterminated single quote", "echo 'abc"],
    ["an unterminated double quote", 'echo "abc'],
    ["an unterminated $' quote", "echo $'abc"],
    ["an unterminated backtick", "echo `abc"],
    ["an unterminated $(", "echo $(abc"],
    ["an unterminated ${", "echo ${abc"],
    ["an unterminated subshell", "(echo abc"],
  ];
  it.each(unterminated)("reads %s to the end and reports it", (_name, input) => {
    const parsed = parseShell(input);
    expect(parsed.problems.length).toBeGreaterThan(0);
    expect(commands(parsed.list)[0]?.[0]).toBe("echo");
  });

  const nested: Array<[string, string]> = [
    ["$(", "$(".repeat(10_000)],
    ['"$(', '"$('.repeat(10_000)],
    ["( ", "( ".repeat(10_000)],
    ["{ ", "{ ".repeat(10_000)],
    ["<(", "cat <(".repeat(10_000)],
    ["${x:-", "${x:-".repeat(10_000)],
    ["${x:-$(", "${x:-$(".repeat(10_000)],
    ["f() ", "f() ".repeat(10_000)],
    ["here-documents with substitutions", `${"cat <<E\n$(".repeat(10_000)}`],
  ];
  it.each(nested)("stops promptly at the depth limit on 10 000 nested %s, and says it stopped", (_name, input) => {
    const started = performance.now();
    const parsed = parseShell(input);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(parsed.truncated).toBe(true);
    expect(parsed.problems.join("\n")).toContain(`nested more than ${MAX_SHELL_DEPTH} levels deep`);
  });

  it("parses a 1 MB command line in well under the time a person waits", () => {
    const started = performance.now();
    const parsed = parseShell(`echo ${"a".repeat(MB)}`);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(commands(parsed.list)[0]![1]!.length).toBe(MB);
  });

  it("stops after MAX_SHELL_WORDS words of a 1 MB line of words, and says it stopped", () => {
    const started = performance.now();
    const parsed = parseShell(`echo ${"a ".repeat(MB / 2)}`);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(parsed.truncated).toBe(true);
    expect(parsed.problems).toContain(`more than ${MAX_SHELL_WORDS} words long`);
  });

  it("never throws on random shell-ish text (a fixed seed, so a failure repeats)", () => {
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const alphabet = ["a", " ", "'", '"', "$", "(", ")", "{", "}", "`", "\\", ";", "&", "|", "<", ">", "\n", "#", "=", "*", "~", "$(", "${", "<<", "E", "-"];
    for (let i = 0; i < 2_000; i++) {
      const input = Array.from({ length: 1 + Math.floor(random() * 80) }, () => alphabet[Math.floor(random() * alphabet.length)]).join("");
      expect(() => parseShell(input), input).not.toThrow();
    }
  });
});
