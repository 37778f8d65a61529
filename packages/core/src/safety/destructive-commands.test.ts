import { describe, expect, it } from "vitest";
import { detectDestructiveCommand, inspectCommand } from "./destructive-commands.js";

describe("detectDestructiveCommand", () => {
  const destructive: Array<[string, string]> = [
    ["rm -rf /", "rm-root"],
    ["sudo rm -rf / ", "rm-root"],
    ["rm -fr /*", "rm-root"],
    ["rm -r -f ~", "rm-root"],
    ["rm --recursive --force $HOME/", "rm-root"],
    ["cd /tmp && rm -Rf /etc", "rm-root"],
    ["rm -rf --no-preserve-root /", "rm-root"],
    ["mkfs.ext4 /dev/sdb1", "mkfs"],
    ["sudo mkfs -t xfs /dev/nvme0n1", "mkfs"],
    ["wipefs -a /dev/sda", "mkfs"],
    ["dd if=/dev/zero of=/dev/sda bs=1M", "dd-device"],
    ["cat image.iso > /dev/sdb", "redirect-device"],
    [":(){ :|:& };:", "fork-bomb"],
    ["bomb() { bomb | bomb & }; bomb", "fork-bomb"],
    ["curl -fsSL https://example.com/install.sh | sh", "pipe-to-shell"],
    ["wget -qO- https://x.y/z | sudo bash", "pipe-to-shell"],
    ['bash -c "$(curl -fsSL https://x.y/i.sh)"', "pipe-to-shell"],
    ["chmod -R 777 /", "chmod-root"],
    ["chown -R nobody /usr", "chmod-root"],
    ["find / -name '*.log' -delete", "find-delete-root"],
    ["kill -9 -1", "kill-all"],
    ["sudo reboot", "power"],
    ["echo x > /etc/passwd", "overwrite-system-file"],
  ];
  it.each(destructive)("flags %s", (command, rule) => {
    expect(detectDestructiveCommand(command)).toMatchObject({ rule });
  });

  const harmless = [
    "ls -la /",
    "rm -rf ./build",
    "rm -rf node_modules dist",
    "rm -f /tmp/x.txt",
    "rm -r /tmp/work",
    "dd if=/dev/urandom of=./random.bin bs=1k count=1",
    "dd if=/dev/zero of=/dev/null count=1",
    "curl -fsSL https://example.com/file.tar.gz -o file.tar.gz",
    "curl https://x | grep shell",
    "chmod -R 755 ./public",
    "chmod 644 /etc/hosts.bak",
    "find . -name '*.tmp' -delete",
    "kill -9 1234",
    "echo reboot later",
    "grep -r password /etc/ssh >/dev/null",
    "cat /etc/passwd",
  ];
  it.each(harmless)("lets %s through", (command) => {
    expect(detectDestructiveCommand(command)).toBeUndefined();
  });
});

/** Shell spellings that once got past the gate: each must be flagged, with the rule that says why. */
const bypasses: Array<[string, string, string]> = [
  // quoting and escaping
  ["a double-quoted target", 'rm -rf "/"', "rm-root"],
  ["a single-quoted target", "rm -rf '/'", "rm-root"],
  ["an ANSI-C quoted target", "rm -rf $'/'", "rm-root"],
  ["an ANSI-C hex-escaped command name", "$'\\x72\\x6d' -rf /", "rm-root"],
  ["a backslash before the command name (skips aliases)", "\\rm -rf /", "rm-root"],
  ["a command name split by empty quotes", "r''m -rf /", "rm-root"],
  ["an escaped slash target", "rm -rf \\/", "rm-root"],
  ["flags split over a backslash-newline", "rm -rf \\\n/", "rm-root"],
  ["${IFS} for blanks", "rm${IFS}-rf${IFS}/", "rm-root"],
  ["brace expansion into the whole command", "{rm,-rf,/}", "rm-root"],
  // command paths and assignments
  ["the command's absolute path /bin/rm", "/bin/rm -rf /", "rm-root"],
  ["the command's absolute path /usr/bin/rm", "/usr/bin/rm -rf /", "rm-root"],
  ["a leading variable assignment", "FOO=1 rm -rf /", "rm-root"],
  ["a target held in a variable set earlier on the line", "X=/; rm -rf $X", "rm-root"],
  ["a command name held in a variable set earlier on the line", "CMD=rm; $CMD -rf /", "rm-root"],
  ["flags and target held in one unquoted variable", "X='-rf /'; rm $X", "rm-root"],
  // separators, subshells, groups and substitutions
  ["a newline before the command", "ls\nrm -rf /", "rm-root"],
  ["; without blanks", "ls;rm -rf /", "rm-root"],
  ["&& without blanks", "ls&&rm -rf /", "rm-root"],
  ["|| without blanks", "false||rm -rf /", "rm-root"],
  ["a pipe into rm", "ls|rm -rf /", "rm-root"],
  ["a background &", "rm -rf / &", "rm-root"],
  ["a subshell", "(rm -rf /)", "rm-root"],
  ["a brace group", "{ rm -rf /; }", "rm-root"],
  ["nested groups", "true && { false || (rm -rf /); }", "rm-root"],
  ["a $( ) body", "echo $(rm -rf /)", "rm-root"],
  ["a backtick body", "echo `rm -rf /`", "rm-root"],
  ["a $( ) inside double quotes", 'echo "$(rm -rf /)"', "rm-root"],
  ["a process substitution", "diff <(rm -rf /) x", "rm-root"],
  ["a substitution in a ${X:-default}", "echo ${X:-$(rm -rf /)}", "rm-root"],
  ["if/then", "if true; then rm -rf /; fi", "rm-root"],
  ["a while loop body", "while true; do rm -rf /; done", "rm-root"],
  ["a for loop over / with an unquoted loop variable", "for d in / ; do rm -rf $d; done", "rm-root"],
  ["a case branch", "case x in x) rm -rf /;; esac", "rm-root"],
  ["! negation", "! rm -rf /", "rm-root"],
  ["a function body", "f() { rm -rf /; }; f", "rm-root"],
  ["a 'function' keyword body", "function f { rm -rf /; }", "rm-root"],
  ["a substitution in an unquoted here-document", "cat <<EOF\n$(rm -rf /)\nEOF", "rm-root"],
  ["an alias whose value deletes /", "alias x='rm -rf /'", "rm-root"],
  // shells running code given to them
  ["sh -c", "sh -c 'rm -rf /'", "rm-root"],
  ["bash -c", 'bash -c "rm -rf /"', "rm-root"],
  ["dash -c", "dash -c 'rm -rf /'", "rm-root"],
  ["zsh -c", "zsh -c 'rm -rf /'", "rm-root"],
  ["busybox sh -c", "busybox sh -c 'rm -rf /'", "rm-root"],
  ["busybox rm", "busybox rm -rf /", "rm-root"],
  ["a shell -c among other flags", "bash -eux -o pipefail -c 'rm -rf /'", "rm-root"],
  ["sh -c nested in bash -c", "bash -c \"sh -c 'rm -rf /'\"", "rm-root"],
  ["sudo sh -c", "sudo sh -c 'rm -rf /'", "rm-root"],
  ["su -c", "su root -c 'rm -rf /'", "rm-root"],
  ["eval of a literal", "eval 'rm -rf /'", "rm-root"],
  ["eval of a variable set on the line", "X='rm -rf /'; eval $X", "rm-root"],
  ["echo piped into sh", "echo 'rm -rf /' | sh", "rm-root"],
  ["printf piped into bash", "printf 'rm -rf %s' / | bash", "rm-root"],
  ["echo piped into sudo bash", "echo 'rm -rf /' | sudo bash", "rm-root"],
  ["a here-document fed to sudo sh", "sudo sh <<EOF\nrm -rf /\nEOF", "rm-root"],
  ["printf of NUL-separated words into xargs -0", "printf '/\\0' | xargs -0 rm -rf", "rm-root"],
  ["a glob after a quoted slash", 'rm -rf "/"*', "rm-root"],
  ["an empty brace alternative", "rm -rf /{,}", "rm-root"],
  ["options after the target (GNU permutes them)", "rm / -rf", "rm-root"],
  ["a here-document fed to bash", "bash <<'EOF'\nrm -rf /\nEOF", "rm-root"],
  ["a here-string fed to sh", "sh <<< 'rm -rf /'", "rm-root"],
  ["watch running a command", "watch rm -rf /", "rm-root"],
  ["sh -c with the target passed as $1", "sh -c 'rm -rf \"$1\"' _ /", "rm-root"],
  ["bash -c with the target passed as $0", "bash -c 'rm -rf $0' /", "rm-root"],
  ["env -S splitting a command line", "env -S 'rm -rf /'", "rm-root"],
  // wrappers
  ["sudo", "sudo rm -rf /", "rm-root"],
  ["sudo with options and --", "sudo -E -u root -- rm -rf /", "rm-root"],
  ["env VAR=x", "env VAR=x rm -rf /", "rm-root"],
  ["env -i", "env -i PATH=/bin rm -rf /", "rm-root"],
  ["nice", "nice rm -rf /", "rm-root"],
  ["nice -n 5", "nice -n 5 rm -rf /", "rm-root"],
  ["nohup", "nohup rm -rf / &", "rm-root"],
  ["timeout 5", "timeout 5 rm -rf /", "rm-root"],
  ["timeout with a signal", "timeout -s KILL 5s rm -rf /", "rm-root"],
  ["command", "command rm -rf /", "rm-root"],
  ["exec", "exec rm -rf /", "rm-root"],
  ["xargs fed by echo", "echo / | xargs rm -rf", "rm-root"],
  ["xargs fed by find from /", "find / -name x | xargs rm -rf", "rm-root"],
  ["doas", "doas rm -rf /", "rm-root"],
  ["time", "time rm -rf /", "rm-root"],
  ["builtin", "builtin command rm -rf /", "rm-root"],
  ["stdbuf", "stdbuf -oL rm -rf /", "rm-root"],
  ["ionice", "ionice -c3 rm -rf /", "rm-root"],
  ["wrappers stacked", "sudo env X=1 nice -n 5 timeout 9 rm -rf /", "rm-root"],
  // cd before a relative target
  ["cd / then rm -rf *", "cd / && rm -rf *", "rm-root"],
  ["cd /etc then rm -rf .", "cd /etc; rm -rf .", "rm-root"],
  ["cd ~ then rm -rf *", "cd ~ && rm -rf *", "rm-root"],
  ["cd with no argument (home) then rm -rf ./*", "cd; rm -rf ./*", "rm-root"],
  ["cd / inside the same subshell", "(cd / && rm -rf *)", "rm-root"],
  ["pushd /", "pushd / && rm -rf *", "rm-root"],
  ["env -C /", "env -C / rm -rf *", "rm-root"],
  ["sudo -D /", "sudo -D / rm -rf *", "rm-root"],
  ["cd -- /", "cd -- / && rm -rf *", "rm-root"],
  ["cd /usr then a .. target", "cd /usr && rm -rf ..", "rm-root"],
  // targets
  ["rm -r -f split flags", "rm -r -f /", "rm-root"],
  ["rm --recursive --force", "rm --recursive --force /", "rm-root"],
  ["an abbreviated --rec (GNU accepts unambiguous prefixes)", "rm --rec /", "rm-root"],
  ["rm -r without -f (no prompt without a terminal)", "rm -r /etc", "rm-root"],
  ["-- before the target", "rm -rf -- /", "rm-root"],
  ["--no-preserve-root", "rm -rf --no-preserve-root /", "rm-root"],
  ["the glob /*", "rm -rf /*", "rm-root"],
  ["a partial glob right under /", "rm -rf /e*", "rm-root"],
  ["everything in /etc", "rm -rf /etc/*", "rm-root"],
  ["~", "rm -rf ~", "rm-root"],
  ["~/", "rm -rf ~/", "rm-root"],
  ["~/*", "rm -rf ~/*", "rm-root"],
  ["$HOME", "rm -rf $HOME", "rm-root"],
  ['"${HOME}/"', 'rm -rf "${HOME}/"', "rm-root"],
  ["${HOME:?} (HOME, or an error)", 'rm -rf "${HOME:?}"', "rm-root"],
  ["$PWD after cd /", 'cd / && rm -rf "$PWD"', "rm-root"],
  ["another user's home", "rm -rf /home/alice", "rm-root"],
  ["a second-level system directory", "rm -rf /usr/lib", "rm-root"],
  ["a .. path normalising to /", "rm -rf /tmp/../", "rm-root"],
  ["/usr/.. normalising to /", "rm -rf /usr/..", "rm-root"],
  ["~/.. (where homes live)", "rm -rf ~/..", "rm-root"],
  ["// and /./", "rm -rf //./", "rm-root"],
  ["brace expansion onto system directories", "rm -rf /{bin,etc}", "rm-root"],
  ["an unset variable before /* (the Steam bug)", "rm -rf $DIR/*", "rm-empty-variable"],
  ["an unset variable after ~/", 'rm -rf "$HOME/$SUBDIR"', "rm-empty-variable"],
  // other destructive commands
  ["find / -delete", "find / -delete", "find-delete-root"],
  ["find ~ -delete", "find ~ -delete", "find-delete-root"],
  ["find with options before the starting point", "find -L / -delete", "find-delete-root"],
  ["rsync --delete onto /", "rsync -a --delete empty/ /", "rm-root"],
  ["find . -delete after cd /", "cd / && find . -delete", "find-delete-root"],
  ["find -exec rm", "find /etc -type f -exec rm {} \\;", "find-delete-root"],
  ["find -exec /bin/rm +", "find / -exec /bin/rm -rf {} +", "find-delete-root"],
  ["find -exec sh -c rm", "find . -exec sh -c 'rm -rf /' \\;", "rm-root"],
  ["dd of=/dev/sda", "dd if=/dev/zero of=/dev/sda", "dd-device"],
  ["sudo dd of=/dev/nvme0n1", "sudo dd of=/dev/nvme0n1 if=x.img", "dd-device"],
  ["mkfs", "mkfs /dev/sdb", "mkfs"],
  ["mkfs.xfs through /sbin", "/sbin/mkfs.xfs /dev/sdb1", "mkfs"],
  ["mkswap", "mkswap /dev/sdb2", "mkfs"],
  ["shred a disk", "shred -n 1 /dev/sda", "shred"],
  ["shred a system file", "shred -u /etc/shadow", "shred"],
  ["chmod -R 777 /", "chmod -R 777 /", "chmod-root"],
  ["chmod with -R after the mode", "chmod 777 -R /", "chmod-root"],
  ["chmod -R 777 ~", "chmod -R 777 ~", "chmod-root"],
  ["chown -R", "chown -R nobody:nogroup /etc", "chmod-root"],
  ["chgrp --recursive", "chgrp --recursive staff /usr", "chmod-root"],
  ["> /etc/passwd", "echo x > /etc/passwd", "overwrite-system-file"],
  ["> onto another file in /etc", ": > /etc/ssh/sshd_config", "overwrite-system-file"],
  [">| onto a system program", "echo x >| /usr/bin/ls", "overwrite-system-file"],
  ["exec > /etc/passwd", "exec > /etc/passwd", "overwrite-system-file"],
  ["a relative redirect after cd /etc", "cd /etc && echo > passwd", "overwrite-system-file"],
  ["tee onto /etc/sudoers", "echo x | sudo tee /etc/sudoers", "overwrite-system-file"],
  ["&> onto a disk", "cat x.img &> /dev/sdb", "redirect-device"],
  ["cp onto a disk", "cp x.img /dev/sdb", "redirect-device"],
  ["cp onto /etc/passwd (as > does)", "cp /dev/null /etc/passwd", "overwrite-system-file"],
  ["cp -f onto a system program", "sudo cp -f evil /usr/bin/ls", "overwrite-system-file"],
  ["cp onto a system file after cd /etc", "cd /etc && cp x shadow", "overwrite-system-file"],
  ["truncate of /etc/passwd", "truncate -s 0 /etc/passwd", "overwrite-system-file"],
  ["truncate --size of a system library", "truncate --size=0 /usr/lib/x86_64-linux-gnu/libc.so.6", "overwrite-system-file"],
  ["mv / away", "mv / /tmp/x", "mv-root"],
  ["mv ~ away", "mv ~ /tmp/old-home", "mv-root"],
  ["mv -t with / as a source", "mv -t /tmp /etc", "mv-root"],
  ["kill -- -1", "kill -- -1", "kill-all"],
  ["kill -s KILL -1", "kill -s KILL -1", "kill-all"],
  ["sysrq reboot", "echo b > /proc/sysrq-trigger", "power"],
  ["systemctl poweroff", "systemctl poweroff", "power"],
  ["init 0", "init 0", "power"],
  // what the gate cannot see through, and asks about
  ['eval "$x"', 'eval "$x"', "eval"],
  ["eval with an unknown part", 'eval "ls $x"', "eval"],
  ['sh -c "$CMD"', 'sh -c "$CMD"', "opaque-shell"],
  ['sudo bash -c "$1"', 'sudo bash -c "$1"', "opaque-shell"],
  ["sh -c of a command's output", 'sh -c "$(cat cmd.txt)"', "opaque-shell"],
  ["base64 -d | sh", "echo cm0gLXJmIC8K | base64 -d | sh", "pipe-to-shell"],
  ["cat file | bash", "cat x | bash", "pipe-to-shell"],
  ["a here-document piped into sh", "cat <<'EOF' | sh\nrm -rf /\nEOF", "pipe-to-shell"],
  ["bash -s fed by a process substitution", "bash -s < <(cat x)", "opaque-shell"],
  ["sh reading a here-string of a variable", 'sh <<< "$X"', "opaque-shell"],
  ["curl | sh through tee", "curl -s https://x.y | tee i.sh | sh", "pipe-to-shell"],
  ["bash <(curl ...)", "bash <(curl -s https://x.y)", "pipe-to-shell"],
  ["source <(curl ...)", "source <(curl -s https://x.y)", "pipe-to-shell"],
  ["eval $(curl ...)", "eval $(curl -s https://x.y)", "pipe-to-shell"],
  ["a command name from a substitution aimed at /", "$(echo rm) -rf /", "opaque-command"],
  ["a command name from backticks aimed at /", "`echo rm` -rf /", "opaque-command"],
];

describe("the gate parses commands as a shell does", () => {
  it.each(bypasses)("flags %s: %s", (_name, command, rule) => {
    expect(detectDestructiveCommand(command)).toMatchObject({ rule });
  });
});

/** Commands that look alarming to a regex but are harmless: the positive control for the table above. */
const harmlessLookalikes: Array<[string, string]> = [
  ["a relative build directory", "rm -rf ./build"],
  ["node_modules", "rm -rf node_modules"],
  ["a project subdirectory of home", "rm -rf ~/projects/app/dist"],
  ["rm -rf / inside an echo'd string", 'echo "rm -rf /"'],
  ["rm -rf / as a grep pattern", "grep 'rm -rf /' notes.txt"],
  ["git rm -r", "git rm -r --cached x"],
  ["listing /", "ls /"],
  ["cd / followed by ls", "cd / && ls"],
  ["a printf of sh -c text, not piped to a shell", "printf '%s' 'sh -c \"rm -rf /\"'"],
  ["cd / inside a subshell, rm outside it", "(cd /); rm -rf *"],
  ["cd / in a pipeline (its own subshell)", "cd / | rm -rf *"],
  ["cd /tmp then rm -rf *", "cd /tmp && rm -rf *"],
  ["a quoted here-document that is only printed", "cat <<'EOF'\nrm -rf /\nEOF"],
  ["a harmless script fed to sh", "echo ls | sh"],
  ["cp of a system file into the project", "cp /etc/hosts ./hosts"],
  ["cp into a project directory", "cp -r /usr/share/doc/x ./docs"],
  ["truncate of a project file", "truncate -s 0 ./build.log"],
  ["sh -c of harmless code", "sh -c 'ls -la /'"],
  ["sh -c with a variable that is not code", 'sh -c "cd $DIR && make"'],
  ["eval of harmless literal code", "eval ls"],
  ["command -v only prints", "command -v rm"],
  ["shred of a project file", "shred -u secrets.txt"],
  ["chmod -R of a project directory", "chmod -R u+w ./x"],
  ["non-recursive chmod of /", "chmod 755 /"],
  ["mv of a project file into /tmp", "mv x /tmp"],
  ["dd reading a disk into a file", "dd if=/dev/sda of=disk.img"],
  ["appending to a log in /tmp", "echo hi >> /tmp/log"],
  ["tee -a (appends, like >>)", "echo x | tee -a /etc/hosts"],
  ["redirecting stderr to stdout and /dev/null", "echo hi 2>&1 >/dev/null"],
  ["kill -1 as signal HUP to a pid", "kill -1 1234"],
  ["echo of a power command", "echo shutdown"],
  ["systemctl restarting a service", "systemctl restart nginx"],
  ["a glob in a system directory that matches only some files", "rm -rf /etc/*.bak"],
  ["a path that starts with a variable but is not / when it is empty", 'rm -rf "$TMPDIR"/foo'],
  ["./rm is a program in the current directory, not the system's rm", "./rm -rf /"],
  ["the word rm after sudo's -u value", "sudo -u rm ls /"],
  ["xargs rm -f of found .pyc files", "find . -name '*.pyc' | xargs rm -f"],
  ["curl saving a file", "curl -fsSL https://example.com/f.tgz -o f.tgz"],
  ["a comment mentioning rm -rf /", "ls # then rm -rf /"],
  ["a quoted * is a file named *, not a glob", 'rm -rf /"*"'],
  ["an empty command", ""],
  ["blanks and newlines only", "  \n\t "],
  ["a file name starting with digits", "rm -rf 2024-report && echo a&>/dev/null"],
  ["a quoted here-document written to a file", "cat > notes.md <<'EOF'\nnever run rm -rf / here\nEOF"],
  ["-rf after -- is a file name", "rm -- -rf"],
  ["rsync --delete into a project directory", "rsync -a --delete src/ ./backup/"],
  ["sudo -C (close file descriptors, not a directory)", "sudo -C 3 rm -rf *"],
  ["${#HOME} is a length, not a path", 'rm -rf "${#HOME}"'],
];

describe("harmless look-alikes are not flagged", () => {
  it.each(harmlessLookalikes)("lets %s through: %s", (_name, command) => {
    expect(detectDestructiveCommand(command)).toBeUndefined();
  });
});

/** What the gate cannot see into and does not ask about: it says so instead of passing it silently. */
const unseen: Array<[string, string, string]> = [
  ["a variable whose value is unknown", "rm -rf $DIR", "a value only known at run time in rm's target"],
  ["inline python", "python3 -c 'import shutil; shutil.rmtree(\"/\")'", "inline python3 code"],
  ["inline perl", "perl -e 'system(\"rm -rf /\")'", "inline perl code"],
  ["awk programs", "awk 'BEGIN{system(\"x\")}'", "inline awk code"],
  ["a script on disk run by bash", "bash deploy.sh", "the script deploy.sh"],
  ["a script sourced", "source ./env.sh", "the script ./env.sh"],
  ["a script fed to sh from a file", "sh < script.sh", "the script script.sh"],
  ["a command name only known at run time", "$TOOL --fix ./src", "a command whose name is computed at run time"],
  ["xargs with input from ls", "ls | xargs rm -rf", "a value only known at run time in rm's target"],
  ["variables inside sh -c code", 'sh -c "cd $DIR && make"', "values of variables inside shell code"],
];

describe("what the gate cannot see is reported", () => {
  it.each(unseen)("reports %s as unseen: %s", (_name, command, what) => {
    const inspection = inspectCommand(command);
    expect(inspection.match).toBeUndefined();
    expect(inspection.unseen).toContain(what);
  });

  it("reports nothing unseen for a plain command (the positive control)", () => {
    expect(inspectCommand("rm -rf ./build && ls -la")).toEqual({ match: undefined, unseen: [] });
  });
});

describe("the gate on hostile input", () => {
  const MB = 1 << 20;
  const promptly = (command: string) => {
    const started = performance.now();
    const inspection = inspectCommand(command);
    expect(performance.now() - started).toBeLessThan(5_000);
    return inspection;
  };

  it("reads a 1 MB harmless command line promptly and lets it through", () => {
    expect(promptly(`echo ${"a".repeat(MB)}`).match).toBeUndefined();
  });

  it("finds rm -rf / after 1 MB of harmless text", () => {
    expect(promptly(`echo '${"a".repeat(MB)}'; rm -rf /`).match).toMatchObject({ rule: "rm-root" });
  });

  it("asks about a 1 MB line of words it stopped reading (it cannot see the end)", () => {
    expect(promptly(`echo ${"a ".repeat(MB / 2)}; rm -rf /`).match).toMatchObject({ rule: "too-complex" });
  });

  it("asks about 10 000 nested $( it stopped reading", () => {
    expect(promptly("$(".repeat(10_000)).match).toMatchObject({ rule: "too-complex" });
  });

  it("asks about sh -c nested 20 deep", () => {
    let command = "rm -rf /";
    for (let i = 0; i < 20; i++) command = `sh -c ${JSON.stringify(command).replace(/\$/g, "\\$")}`;
    expect(promptly(command).match).toMatchObject({ rule: "too-complex" });
  });

  it("asks about 10 000 evals in a row (each one re-reads the rest)", () => {
    expect(promptly(`${"eval ".repeat(10_000)}ls`).match).toMatchObject({ rule: "too-complex" });
  });

  it("reads a 250 000-command pipeline into sh promptly", () => {
    expect(promptly(`${"a | ".repeat(250_000)}sh`).match).toBeDefined();
  });

  it("does not backtrack for long on a 1 MB line next to a function definition", () => {
    expect(promptly(`f() { ${"a".repeat(MB)}; }`).match).toBeUndefined();
  });

  it.each([["echo 'rm -rf /"], ['echo "rm -rf /'], ["echo $'rm -rf /"], ["echo `rm -rf /"], ["echo $(rm -rf /"]])(
    "reads the unterminated %s without throwing",
    (command) => {
      expect(() => promptly(command)).not.toThrow();
    },
  );

  it("still finds rm -rf / inside an unterminated substitution (a shell would run it)", () => {
    expect(promptly("echo $(rm -rf /").match).toMatchObject({ rule: "rm-root" });
  });

  it("expands at most 64 words from a brace bomb", () => {
    expect(promptly(`rm -rf ${"{a,b}".repeat(10_000)}`).match).toBeUndefined();
  });
});
