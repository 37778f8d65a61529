/**
 * Named host lists for `terminal.docker.egress.preset`, so the common case is
 * one line. `packages`: what package managers and git need to install things.
 */
export const EGRESS_PRESETS: Readonly<Record<"packages" | "none", readonly string[]>> = {
  packages: [
    // npm, Yarn
    "registry.npmjs.org",
    "registry.yarnpkg.com",
    // PyPI
    "pypi.org",
    "files.pythonhosted.org",
    // Debian, Ubuntu, Alpine
    "deb.debian.org",
    "security.debian.org",
    "archive.ubuntu.com",
    "security.ubuntu.com",
    "ports.ubuntu.com",
    "dl-cdn.alpinelinux.org",
    // GitHub (git over HTTPS, releases, raw files)
    "github.com",
    "api.github.com",
    "codeload.github.com",
    "objects.githubusercontent.com",
    "raw.githubusercontent.com",
  ],
  none: [],
};
