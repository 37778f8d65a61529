/** Why a command looks destructive, in words a person approving it understands. */
export interface DestructiveMatch {
  /** Stable id of the rule, e.g. `rm-root`. */
  rule: string;
  reason: string;
}

interface Rule {
  rule: string;
  reason: string;
  test: (command: string) => boolean;
}

/** Top-level system paths (and home) whose recursive removal or re-permissioning wrecks a machine. */
const SYSTEM_TARGET =
  String.raw`(?:\/|\/\*|~\/?|~\/\*|\$HOME\/?|\$\{HOME\}\/?|\/(?:bin|boot|dev|etc|home|lib|lib64|opt|proc|root|sbin|srv|sys|usr|var|Users|System|Library)(?:\/\*?)?)`;
const ARG_END = String.raw`(?=$|[\s;&|)'"])`;
/** Where a command name starts: the beginning, after a separator, or after `sudo`. */
const COMMAND_START = String.raw`(?:^\s*|[;&|(\x60]\s*|\bsudo\s+(?:-\S+\s+)*)`;

/** `rm` with both a recursive and a force flag, in any spelling (`-rf`, `-fr`, `-r -f`, `--recursive --force`). */
function isRecursiveForceRm(segment: string): boolean {
  const match = /(?:^|[\s;&|(`]|sudo\s+)rm\s+(.*)$/.exec(segment);
  if (match === null) return false;
  const args = match[1] ?? "";
  const flags = args.split(/\s+/).filter((arg) => arg.startsWith("-"));
  const recursive = flags.some((f) => f === "--recursive" || (/^-[a-zA-Z]+$/.test(f) && /[rR]/.test(f)));
  const force = flags.some((f) => f === "--force" || (/^-[a-zA-Z]+$/.test(f) && f.includes("f")));
  return recursive && force;
}

const RULES: Rule[] = [
  {
    rule: "rm-root",
    reason: "recursively deletes / , home or a system directory",
    test: (c) =>
      c.split(/[;&|\n]+/).some(
        (segment) => isRecursiveForceRm(segment) && new RegExp(String.raw`\s${SYSTEM_TARGET}${ARG_END}`).test(segment.replace(/\s--\s/, " ")),
      ) || /--no-preserve-root/.test(c),
  },
  { rule: "mkfs", reason: "formats a filesystem", test: (c) => new RegExp(String.raw`${COMMAND_START}(?:mkfs(?:\.\w+)?|mke2fs|mkswap|wipefs)\b`).test(c) },
  {
    rule: "dd-device",
    reason: "writes raw bytes onto a disk device",
    test: (c) => /\bdd\b[^;&|]*\bof=\/dev\/(?!null\b|zero\b|stdout\b|stderr\b|tty\b)/.test(c),
  },
  {
    rule: "redirect-device",
    reason: "overwrites a disk device",
    test: (c) => />\s*\/dev\/(?:sd[a-z]|nvme\d|hd[a-z]|vd[a-z]|xvd[a-z]|mmcblk\d|disk\d)/.test(c),
  },
  {
    rule: "fork-bomb",
    reason: "is a fork bomb (starts processes until the machine stops)",
    test: (c) => /([\w:]+)\s*\(\)\s*\{[^}]*\1\s*\|\s*\1\s*&/.test(c),
  },
  {
    rule: "pipe-to-shell",
    reason: "downloads a script and runs it without showing it first",
    test: (c) => /\b(?:curl|wget|fetch)\b[^|;&]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:env\s+\S+\s+)?(?:ba|z|da|k|fi)?sh\b/.test(c) ||
      /(?:ba|z)?sh\s+(?:-c\s+)?["']?\$\(\s*(?:curl|wget)\b/.test(c) || /(?:ba|z)?sh\s+<\(\s*(?:curl|wget)\b/.test(c),
  },
  {
    rule: "chmod-root",
    reason: "recursively changes permissions or owners of / or a system directory",
    test: (c) => new RegExp(String.raw`\b(?:chmod|chown|chgrp)\s+(?:\S+\s+)*(?:-R|--recursive)\s+(?:\S+\s+)*${SYSTEM_TARGET}${ARG_END}`).test(c) ||
      new RegExp(String.raw`\b(?:chmod|chown|chgrp)\s+(?:-\S+\s+)*\S+\s+(?:-R|--recursive)\s+${SYSTEM_TARGET}${ARG_END}`).test(c),
  },
  {
    rule: "find-delete-root",
    reason: "deletes files found from / or a system directory",
    test: (c) => new RegExp(String.raw`\bfind\s+${SYSTEM_TARGET}\s[^;&|]*(?:-delete\b|-exec\s+rm\b)`).test(c),
  },
  { rule: "kill-all", reason: "kills every process", test: (c) => /\bkill\s+(?:-9\s+|-KILL\s+|-s\s+KILL\s+)?-1\b/.test(c) },
  {
    rule: "power",
    reason: "shuts down or reboots the machine",
    test: (c) =>
      new RegExp(String.raw`${COMMAND_START}(?:shutdown|reboot|halt|poweroff|init\s+[06])\b`).test(c) || /\bsystemctl\s+(?:poweroff|reboot|halt)\b/.test(c),
  },
  {
    rule: "overwrite-system-file",
    reason: "overwrites a system configuration file",
    test: (c) => /(?:^|[^>])>\s*\/etc\/(?:passwd|shadow|group|sudoers|fstab|hosts)\b/.test(c),
  },
];

/**
 * Whether a shell command looks destructive enough to ask before running it
 * on a machine that matters. A best-effort screen of well-known footguns
 * (`rm -rf /`, `mkfs`, `dd of=/dev/sda`, fork bombs, `curl ... | sh`,
 * `chmod -R 777 /`, ...), not a sandbox: obfuscated commands get through,
 * which is why Docker is the real guard. Returns the first rule that matches.
 */
export function detectDestructiveCommand(command: string): DestructiveMatch | undefined {
  const normalized = command.replace(/\\\n/g, " ");
  for (const rule of RULES) {
    if (rule.test(normalized)) return { rule: rule.rule, reason: rule.reason };
  }
  return undefined;
}
