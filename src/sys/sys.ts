// The system interface the runtime acts through. In the binary it is the C
// binding (`native`); unit tests pass a recording double with a simulated
// filesystem instead, so mount and namespace logic is tested without
// privileges (as youki's syscall/ test double).

import { C } from "./constants";

export type Sys = NativeSys;

/** The real system: the binding installed by native/host.c. */
export function linuxSys(): Sys {
  return native;
}

/** An environment variable's value by name, undefined if unset: the
    process's (getenv(3)), or a test's. */
export type Getenv = (name: string) => string | undefined;

/** Mount flags by name, so plans stay readable data. */
var MOUNT_FLAGS = {
  MS_RDONLY: C.MS_RDONLY, MS_NOSUID: C.MS_NOSUID, MS_NODEV: C.MS_NODEV, MS_NOEXEC: C.MS_NOEXEC,
  MS_SYNCHRONOUS: C.MS_SYNCHRONOUS, MS_REMOUNT: C.MS_REMOUNT, MS_MANDLOCK: C.MS_MANDLOCK, MS_NOATIME: C.MS_NOATIME,
  MS_NODIRATIME: C.MS_NODIRATIME, MS_BIND: C.MS_BIND, MS_MOVE: C.MS_MOVE, MS_REC: C.MS_REC, MS_PRIVATE: C.MS_PRIVATE,
  MS_SLAVE: C.MS_SLAVE, MS_RELATIME: C.MS_RELATIME,
};
export type MountFlag = keyof typeof MOUNT_FLAGS;

export function mountFlags(names: MountFlag[]): number {
  var v = 0;
  for (var i = 0; i < names.length; i++)
    v += MOUNT_FLAGS[names[i]]; // distinct bits: + is |, without 32-bit truncation
  return v;
}

/** How a wait status reads in a message: "exit N" or "signal N". */
export function describeWaitStatus(status: number): string {
  return (status & 0x7f) === 0 ? "exit " + ((status >> 8) & 0xff) : "signal " + (status & 0x7f);
}

/** Type bits of a stat mode. */
export function isDir(mode: number): boolean {
  return (mode & C.S_IFMT) === C.S_IFDIR;
}

export function isLink(mode: number): boolean {
  return (mode & C.S_IFMT) === C.S_IFLNK;
}

/** A missing path's probe: null where a component is not a directory,
    as where none is there (the binding's *_if_exists return null for
    ENOENT only); any other error thrown on. */
function nullIfNotDir(e: unknown): null {
  if ((e as { code?: string }).code === "ENOTDIR")
    return null;
  throw e;
}

/** stat() that returns null instead of throwing when the path is missing. */
export function statOrNull(sys: Sys, path: string, follow: boolean): NativeStat | null {
  try {
    return follow ? sys.stat_if_exists(path) : sys.lstat_if_exists(path);
  } catch (e) {
    return nullIfNotDir(e);
  }
}

/** statOrNull()'s st_mode alone, for a probe that needs only the file's
    type (cheaper: see native.d.ts). */
export function modeOrNull(sys: Sys, path: string, follow: boolean): number | null {
  try {
    return follow ? sys.stat_mode_if_exists(path) : sys.lstat_mode_if_exists(path);
  } catch (e) {
    return nullIfNotDir(e);
  }
}

/** A file's contents in pieces as read, each passed to f: for input that
    may never end, or is too big to keep whole. */
export function readChunks(sys: Sys, path: string, f: (chunk: string) => void): void {
  var fd = sys.open(path, C.O_RDONLY);
  try {
    for (var s = sys.read(fd, 65536); s !== ""; s = sys.read(fd, 65536))
      f(s);
  } finally {
    sys.close(fd);
  }
}

/** Whole contents of a file. */
export function readFile(sys: Sys, path: string): string {
  var chunks: string[] = [];
  readChunks(sys, path, function (s) { chunks.push(s); });
  return chunks.join("");
}

/** Write all of data to fd. */
export function writeAll(sys: Sys, fd: number, data: string): void {
  while (data !== "") {
    var n = sys.write(fd, data);
    data = data.slice(n);
  }
}
