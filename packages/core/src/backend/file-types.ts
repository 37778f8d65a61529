export type FileKind = "file" | "directory" | "symlink" | "other";

/** What `stat` reports. Sizes in bytes, times in milliseconds since the epoch. */
export interface FileStat {
  path: string;
  kind: FileKind;
  size: number;
  /** Permission bits, e.g. 0o644. */
  mode: number;
  modifiedMs: number;
}

/** One entry of a directory listing. */
export interface DirEntry {
  name: string;
  kind: FileKind;
}
