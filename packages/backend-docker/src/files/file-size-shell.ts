/**
 * `fsz PATH`: prints the size of the file at PATH (following links), or fails.
 * `stat` first; where it fails, `find -printf`: coreutils 9's `stat` and `ls`
 * always pass AT_NO_AUTOMOUNT to statx, which gVisor 20221219 refuses with
 * EINVAL ("cannot statx: Invalid argument"), while GNU find's stat works
 * there. Busybox's `stat` works under gVisor, so its find never needs -printf.
 */
export const FILE_SIZE_SHELL_FUNCTION = `fsz() { stat -L -c %s -- "$1" 2>/dev/null || find -L "$1" -maxdepth 0 -printf %s 2>/dev/null; }`;

/**
 * Prints `type|size|octal mode|mtime` for PATH (following links), as `stat -L -c '%F|%s|%a|%Y'`
 * does, or in `find -printf` form (`f`/`d`/`l`, fractional mtime) where `stat` fails (see
 * {@link FILE_SIZE_SHELL_FUNCTION}); on failure the last word is `stat`'s own error.
 */
export const FILE_STAT_SHELL_COMMAND = `stat -L -c '%F|%s|%a|%Y' -- "$p" 2>/dev/null || find -L "$p" -maxdepth 0 -printf '%y|%s|%m|%T@\\n' 2>/dev/null || exec stat -L -c '%F|%s|%a|%Y' -- "$p"`;
