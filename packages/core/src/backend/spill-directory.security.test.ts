import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { ensureProcessSpillDirectory, sweepStaleSpillDirectories } from "./spill-directory.js";

// $TMPDIR may lie in a directory a sandbox writes (a mounted project, mom's
// data directory in host mode): `monoclaw-output` there can be a link the
// sandbox made to any host directory. The sweep removes what it finds in the
// spill root (dead owners' `<pid>-<start>` directories, anything else a day
// old), so through such a link it would delete the user's files.

let base: string;
const TWO_DAYS_AGO = new Date(Date.now() - 2 * 24 * 3600 * 1000);

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "spill-sec-")));
});

afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

function fillWithStaleEntries(dir: string): void {
  mkdirSync(join(dir, "999999999-1"), { recursive: true }); // a dead owner's name
  writeFileSync(join(dir, "999999999-1", "out.log"), "x");
  writeFileSync(join(dir, "thesis.tex"), "the user's file, untouched for two days");
  utimesSync(join(dir, "thesis.tex"), TWO_DAYS_AGO, TWO_DAYS_AGO);
}

it("never removes anything through a spill root that is a link made in the sandbox", () => {
  const home = join(base, "home");
  mkdirSync(home);
  fillWithStaleEntries(home);
  symlinkSync(home, join(base, "monoclaw-output"));
  expect(sweepStaleSpillDirectories(join(base, "monoclaw-output"))).toBe(0);
  expect(existsSync(join(home, "thesis.tex"))).toBe(true);
  expect(existsSync(join(home, "999999999-1", "out.log"))).toBe(true);
});

it("sweeps a real spill root of dead owners and old files (positive control)", () => {
  const root = join(base, "monoclaw-output");
  mkdirSync(root);
  fillWithStaleEntries(root);
  expect(sweepStaleSpillDirectories(root)).toBeGreaterThan(0);
  expect(existsSync(join(root, "thesis.tex"))).toBe(false);
  expect(existsSync(join(root, "999999999-1"))).toBe(false);
});

it("never creates this process's spill directory (and its output files) through a spill root that is a link", () => {
  const previous = process.env.TMPDIR;
  const host = join(base, "host-dir");
  mkdirSync(host);
  mkdirSync(join(base, "tmp"));
  process.env.TMPDIR = join(base, "tmp");
  try {
    // Positive control: a real spill root under this TMPDIR is made and used.
    expect(ensureProcessSpillDirectory().startsWith(join(base, "tmp", "monoclaw-output"))).toBe(true);
    rmSync(join(base, "tmp", "monoclaw-output"), { recursive: true });
    symlinkSync(host, join(base, "tmp", "monoclaw-output"));
    expect(() => ensureProcessSpillDirectory()).toThrow(/is a symbolic link or not a directory of this user/);
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
  expect(readdirSync(host)).toEqual([]);
});
