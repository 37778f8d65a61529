import { RUN_MARKER_VARIABLE, assertRunMarker } from "./run-marker.js";

/** Default wait between TERM and KILL: long enough for a clean exit, short enough to keep timeouts prompt. */
export const DEFAULT_KILL_GRACE_MS = 2000;

type Pid = number;

export interface ProcessTreeKillScriptOptions {
  /** Marker value (see `newRunMarker`); every process whose environment holds `MONOCLAW_RUN_ID=<marker>...` is ended. */
  marker: string;
  /** Milliseconds between TERM and KILL. Default {@link DEFAULT_KILL_GRACE_MS}. */
  graceMs?: number;
  /**
   * A signal sent to one process before the scan, e.g. `USR1` to the session
   * shell so its trap abandons the rest of the command (see the shell session).
   */
  signalFirst?: { pid: Pid; signal: "USR1" | "USR2" | "INT" | "TERM" | "HUP" };
  /**
   * Also end the subshells a session shell forked for the current command.
   * Subshells that never exec a program carry the shell's original
   * environment (`MONOCLAW_RUN_ID=<marker>` exactly), not the command's
   * marker; the shell protocol names the shell `comm` (via
   * `/proc/self/comm`) before each command, and forks inherit that name. So:
   * processes whose environment holds exactly `MONOCLAW_RUN_ID=<marker>` and
   * whose `/proc/<pid>/comm` is `comm`, except `excludePid` (the shell).
   * Background subshells of earlier commands have other names and are left alone.
   * Where `comm` cannot be renamed (gVisor 20221219 refuses writes to
   * `/proc/self/comm`, so every fork keeps `sh`), with `adoptedBy` a fork
   * that carries no protocol name (`mc<n>`) is taken when it is a direct
   * child of `excludePid` started within that window: commands run one at a
   * time, and the fork's own children are found as its descendants.
   */
  shellForks?: { marker: string; comm: string; excludePid: Pid };
  /**
   * Also end every process of this session (field 6 of `/proc/<pid>/stat`):
   * the command's shell was started as a session leader, so its background
   * jobs, `nohup`ed and `disown`ed ones stay in its session after it exits
   * and after they clear their environment (only `setsid` leaves it).
   */
  sessionId?: Pid;
  /**
   * Stopped (SIGSTOP) before anything else is signalled and killed last: the
   * command's own shell when it is a child subreaper. While it lives, every
   * process the command orphans (double fork, `setsid`) is re-parented to it,
   * so the descendant walk still finds them; stopped, it can neither exit
   * (handing them to init) nor start anything new.
   */
  holdPid?: Pid;
  /**
   * Orphans: direct children of a `reaperPids` process (PID 1 in a container
   * whose init reaps; a session shell, which also is a child subreaper on the
   * host, and whose direct children during a command are that command's) that started within the
   * last `startedWithinMs` milliseconds (plus one second of margin, counted
   * back from the script's own start) and carry no other command's marker.
   * With PID 1 among the reapers, nothing that started in the first second
   * after PID 1 is adopted: that is the container's own command.
   * Catches a process that double-forked, called `setsid` AND cleared its
   * environment. The reapers themselves are never signalled.
   */
  adoptedBy?: { reaperPids: readonly Pid[]; startedWithinMs: number };
  /** Processes never signalled, e.g. the backend's own long-lived shells. PID 1 and the script itself never are. */
  sparePids?: readonly Pid[];
}

/**
 * A POSIX `sh` script (dash, bash, busybox ash; needs only `grep -z`, `kill`
 * and `sleep`) that ends a command's whole process tree wherever its members
 * were re-parented. Each scan reads every process's marker (one `grep -o`) and
 * every `/proc/<pid>/stat` (one `cat` into one `awk` when there are `awk`,
 * `cat` and `tr`; else builtin `read`, no fork per process) and takes as roots:
 * - processes whose `/proc/<pid>/environ` holds the marker (`&`, `nohup`,
 *   `setsid`, double forks, `exec -a`: the environment is inherited);
 * - `shellForks`, `sessionId`, `adoptedBy` (see their options);
 * - every process found by an earlier scan that still runs (same pid AND
 *   same start time, so a recycled pid is never hit);
 * then adds every descendant (ppid walk to a fixed point), which catches
 * children that cleared their environment (`env -i`, `env -u`) while their
 * parent lives. Zombies are ignored.
 *
 * Order: `holdPid` is stopped; the rest get TERM; it polls every 50 ms
 * (`kill -0`; a scan only once they seem gone: under gVisor a scan of a few
 * hundred processes takes half a second) until they are gone or `graceMs`
 * passed; then, in rounds until none is left,
 * freezes them (SIGSTOP, rescanning until no new process appears, so a
 * process forking faster than it is killed is caught with all its children)
 * and sends KILL to all at once.
 *
 * Run it with the same view of `/proc` as the command (on the host; inside the
 * container with one exec for Docker), from a process whose own environment
 * does not carry the marker. It never signals itself, PID 1 or `sparePids`.
 * Exit status 0 when nothing is left, 1 when some survived 20 KILL rounds.
 * Without `/proc` it finds nothing and exits 0 (the caller's process-group
 * kill is the fallback there).
 */
export function processTreeKillScript(options: ProcessTreeKillScriptOptions): string {
  const marker = assertRunMarker(options.marker);
  const graceMs = options.graceMs ?? DEFAULT_KILL_GRACE_MS;
  if (!Number.isFinite(graceMs) || graceMs < 0) throw new TypeError(`graceMs must be a non-negative number, got ${graceMs}`);
  const first = options.signalFirst;
  if (first !== undefined) assertPid(first.pid, "signalFirst.pid", 2);
  const forks = options.shellForks;
  if (forks !== undefined) {
    assertRunMarker(forks.marker);
    if (!/^[A-Za-z0-9_-]{1,15}$/.test(forks.comm))
      throw new TypeError(`shellForks.comm must be 1-15 letters, digits, '_' or '-', got ${JSON.stringify(forks.comm)}`);
    assertPid(forks.excludePid, "shellForks.excludePid", 1);
  }
  if (options.sessionId !== undefined) assertPid(options.sessionId, "sessionId", 2);
  if (options.holdPid !== undefined) assertPid(options.holdPid, "holdPid", 2);
  const adopted = options.adoptedBy;
  if (adopted !== undefined) {
    for (const [i, pid] of adopted.reaperPids.entries()) assertPid(pid, `adoptedBy.reaperPids[${i}]`, 1);
    if (!Number.isFinite(adopted.startedWithinMs) || adopted.startedWithinMs < 0) {
      throw new TypeError(`adoptedBy.startedWithinMs must be a non-negative number, got ${adopted.startedWithinMs}`);
    }
  }
  const spare = [...(options.sparePids ?? []), ...(forks === undefined ? [] : [forks.excludePid]), ...(adopted?.reaperPids ?? [])];
  for (const [i, pid] of spare.entries()) assertPid(pid, `sparePids[${i}]`, 1);
  const hold = options.holdPid;

  return [
    `m='${RUN_MARKER_VARIABLE}=${marker}'`,
    `any='${RUN_MARKER_VARIABLE}='`,
    "self=$$",
    `spare=' 1 ${spare.join(" ")} '`,
    "nap() { sleep 0.05 2>/dev/null || sleep 1; }",
    'has() { case "$1" in *" $2 "*) return 0;; esac; return 1; }',
    // Start times are clock ticks since boot (USER_HZ = 100 on Linux). The window is measured back from
    // this script's own start (it was started right after the caller measured startedWithinMs), with a
    // second of margin for a slow exec; unknown: adopt nothing rather than everything the reaper ever adopted.
    ...(adopted === undefined
      ? []
      : [
          "since=999999999999",
          "l=; read -r l 2>/dev/null </proc/$$/stat",
          `if [ -n "$l" ]; then set -f; set -- \${l##*) }; set +f; since=$(( \${20} - ${Math.ceil(adopted.startedWithinMs / 10) + 100} )); fi`,
          // A shell fork's window is not cut by PID 1's first second (that rule is for PID 1's own command).
          "fsince=$since",
          ...(adopted.reaperPids.includes(1)
            ? [
                // A container's own command is PID 1's first child: what started in the container's first second is never adopted.
                "l=; read -r l 2>/dev/null </proc/1/stat",
                'if [ -n "$l" ]; then set -f; set -- ${l##*) }; set +f; [ "$since" -lt $(( ${20} + 100 )) ] && since=$(( ${20} + 100 )); fi',
              ]
            : []),
        ]),
    ...(forks === undefined ? [] : [`fm='${RUN_MARKER_VARIABLE}=${forks.marker}'`, `comm='${forks.comm}'`]),
    "known=' '",
    "pidsof() { for f in $1; do p=${f#/proc/}; printf ' %s' \"${p%/environ}\"; done; }",
    // Centiseconds since boot, for the grace period (a scan may take longer than a poll interval on a busy machine).
    'cs() { up=; read -r up _ </proc/uptime 2>/dev/null; up=${up%.*}${up#*.}; while [ "${up#0}" != "$up" ]; do up=${up#0}; done; echo "${up:-0}"; }',
    "scan() {",
    // One grep for every process's marker (-o: only the variable's own marker characters, so an entry
    // holding a newline cannot forge a line), then the stat table, read by one awk: under gVisor each
    // process started costs tens of milliseconds, and a scan of three greps took over a second.
    '  if [ -n "$awk" ]; then known=" $({ grep -z -H -o -e "^$any[A-Za-z0-9_.-]*" /proc/[0-9]*/environ 2>/dev/null | tr \'\\0\' \'\\n\'; cat /proc/[0-9]*/stat 2>/dev/null; } | $awk -v m="$m" -v fm="${fm:-}" -v comm="${comm:-}" -v known="$known" -v spare="$spare" -v self="$self" -v since="${since:-0}" -v fsince="${fsince:-0}" "$prog") "; else scan_sh; fi',
    "  pids=; count=0",
    '  for e in $known; do pids="$pids ${e%%:*}"; count=$((count+1)); done',
    "}",
    // The same scan in awk (one process for the whole table): the shell loop below is the fallback without awk.
    `prog='${scanAwk(options.sessionId, adopted?.reaperPids, forks?.excludePid)}'`,
    "awk=; command -v awk >/dev/null 2>&1 && command -v tr >/dev/null 2>&1 && command -v cat >/dev/null 2>&1 && awk=awk",
    "scan_sh() {",
    '  marked=" $(pidsof "$(grep -z -l -F -e "$m" /proc/[0-9]*/environ 2>/dev/null)") "',
    ...(adopted === undefined ? ["  tagged=' '"] : ['  tagged=" $(pidsof "$(grep -z -l -F -e "$any" /proc/[0-9]*/environ 2>/dev/null)") "']),
    "  forked=' '",
    ...(forks === undefined
      ? []
      : [
          '  for f in $(grep -z -x -l -F -e "$fm" /proc/[0-9]*/environ 2>/dev/null); do',
          "    p=${f#/proc/}; p=${p%/environ}; c=",
          "    read -r c 2>/dev/null </proc/$p/comm",
          '    [ "$c" = "$comm" ] && forked="$forked$p "',
          ...(adopted === undefined
            ? []
            : [
                // comm not renamed (gVisor): the shell's direct child started during this command.
                '    case "$c" in mc[0-9]*) ;; *) l=; read -r l 2>/dev/null </proc/$p/stat',
                `      set -f; set -- \${l##*) }; set +f; [ "$2" = ${forks.excludePid} ] && [ "\${20:-0}" -ge "$fsince" ] && forked="$forked$p ";; esac`,
              ]),
          "  done",
        ]),
    "  found=' '; now=' '; tab=",
    "  for f in /proc/[0-9]*/stat; do",
    '    l=; read -r l 2>/dev/null <"$f" || continue',
    "    p=${l%% *}",
    '    has "$spare" "$p" && continue; [ "$p" = "$self" ] && continue',
    "    set -f; set -- ${l##*) }; set +f",
    // $1 state, $2 ppid, $3 pgrp, $4 session, ${20} start time
    '    [ "$1" = Z ] || [ "$1" = X ] && continue',
    '    now="$now$p:${20} "',
    '    tab="$tab $p:$2"',
    '    if has "$marked" "$p" || has "$known" "$p:${20}" || has "$forked" "$p"; then found="$found$p "; continue; fi',
    ...(options.sessionId === undefined ? [] : [`    if [ "$4" = ${options.sessionId} ]; then found="$found$p "; continue; fi`]),
    ...(adopted === undefined
      ? []
      : [`    if has ' ${adopted.reaperPids.join(" ")} ' "$2" && [ "\${20}" -ge "$since" ] && ! has "$tagged" "$p"; then found="$found$p "; continue; fi`]),
    "  done",
    // Descendants of what was found, to a fixed point (a chain of forks adds one generation per pass).
    "  more=1",
    '  while [ -n "$more" ]; do',
    "    more=",
    "    for e in $tab; do",
    "      p=${e%%:*}; pp=${e#*:}",
    '      if has "$found" "$pp" && ! has "$found" "$p"; then found="$found$p "; more=1; fi',
    "    done",
    "  done",
    "  known=' '",
    '  for e in $now; do has "$found" "${e%%:*}" && known="$known$e "; done',
    "}",
    first === undefined ? "" : `kill -${first.signal} ${first.pid} 2>/dev/null`,
    hold === undefined ? "" : `kill -STOP ${hold} 2>/dev/null`,
    "scan",
    '[ -z "$pids" ] && exit 0',
    // TERM to all but the held shell (stopped, it keeps adopting orphans until the KILL).
    `term() { for p in $pids; do [ "$p" = "${hold ?? ""}" ] || kill -TERM "$p" 2>/dev/null; done; }`,
    "term",
    `end=$(( $(cs) + ${Math.ceil(graceMs / 10)} ))`,
    // The grace is polled with `kill -0` (a builtin: no process started); a scan, which also finds what they started meanwhile, only once none seems left.
    `live() { for p in $pids; do [ "$p" = "${hold ?? ""}" ] || { kill -0 "$p" 2>/dev/null && return 0; }; done; return 1; }`,
    `while [ "$(cs)" -lt "$end" ]; do`,
    `  nap; live && continue; scan; [ -z "$pids" ] && exit 0; [ "$pids" = " ${hold ?? ""}" ] && break`,
    "done",
    "i=0",
    "while [ $i -lt 20 ]; do",
    '  scan; [ -z "$pids" ] && exit 0',
    "  j=0",
    "  while [ $j -lt 10 ]; do",
    "    kill -STOP $pids 2>/dev/null; before=$count; scan",
    '    [ "$count" -le "$before" ] && break',
    "    j=$((j+1))",
    "  done",
    '  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null',
    "  nap; i=$((i+1))",
    "done",
    "exit 1",
    "",
  ].join("\n");
}

/**
 * The awk half of the scan: reads `/proc/<pid>/stat` lines, takes the roots
 * (see processTreeKillScript) and their descendants, prints `pid:start`
 * tokens. POSIX awk (mawk, busybox, gawk); its inputs come as -v variables.
 */
function scanAwk(sessionId: Pid | undefined, reaperPids: readonly Pid[] | undefined, forksShell: Pid | undefined): string {
  return [
    'function set(list, into,  n, a, i) { n = split(list, a, " "); for (i = 1; i <= n; i++) into[a[i]] = 1 }',
    `BEGIN { set(known, K); set(spare, S); set("${(reaperPids ?? []).join(" ")}", R) }`,
    // grep's lines, /proc/<pid>/environ:MONOCLAW_RUN_ID=<value>: marked (the marker or a child of it), tagged (any), a shell fork (exactly fm).
    "/^\\/proc\\// {",
    '  e = $0; sub(/^\\/proc\\//, "", e); q = e; sub(/\\/.*/, "", q); sub(/^[^:]*:/, "", e)',
    '  T[q] = 1; if (index(e, m) == 1) M[q] = 1; if (fm != "" && e == fm) FC[q] = 1',
    "  next",
    "}",
    "{",
    '  p = $1; r = $0; sub(/.*\\) /, "", r); split(r, f, " ")',
    '  if ((p in S) || p == self || f[1] == "Z" || f[1] == "X") next',
    "  start[p] = f[20]; parent[p] = f[2]",
    // A shell fork also carries the protocol's name for the command: the text between the first ( and the last ) of its stat line.
    '  if (p in FC) { c = $0; sub(/^[^(]*\\(/, "", c); sub(/\\)[^)]*$/, "", c); if (c == comm) found[p] = 1',
    // comm not renamed (gVisor): the shell's direct child started during this command (see shellForks).
    ...(forksShell === undefined || reaperPids === undefined
      ? []
      : [`    else if (c !~ /^mc[0-9]+$/ && f[2] == ${forksShell} && f[20] + 0 >= fsince + 0) found[p] = 1`]),
    "  }",
    '  if ((p in M) || ((p ":" f[20]) in K)) found[p] = 1',
    ...(sessionId === undefined ? [] : [`  if (f[4] == ${sessionId}) found[p] = 1`]),
    ...(reaperPids === undefined ? [] : ["  if ((f[2] in R) && f[20] + 0 >= since + 0 && !(p in T)) found[p] = 1"]),
    "}",
    "END {",
    "  do { more = 0; for (p in parent) if (!(p in found) && (parent[p] in found)) { found[p] = 1; more = 1 } } while (more)",
    '  for (p in found) if (p in start) printf "%s:%s ", p, start[p]',
    "}",
  ].join("\n");
}

function assertPid(pid: number, what: string, min: number): void {
  if (!(Number.isInteger(pid) && pid >= min)) throw new TypeError(`${what} must be a process id${min > 1 ? " above 1" : ""}, got ${pid}`);
}
