// The user's cache of CDI's slow steps (doc/devices.md §7.3): a YAML spec
// as parsed and checked, the ld.so.cache the image's ldconfig wrote for a
// spec's libraries, and the plan made from them (plancache.ts). Each entry records the key it was made
// from, everything its value depends on, and is used only for that key;
// and only if it is the user's own (theirs, writable by no one else, in a
// directory of theirs), as anyone else could make the container load
// their libraries. Entries are written under a new name and renamed, so a
// reader sees a whole entry or none, however many ranks write at once.

import { isErrno, isSysError } from "../log/fail";
import * as log from "../log/log";
import * as path from "../path/path";
import { C } from "../sys/constants";
import { Getenv, isDir, readChunks, statOrNull, Sys, writeAll } from "../sys/sys";

export interface Cache {
  /** Host directory of the entries. */
  dir: string;
  /** Whose they must be. */
  euid: number;
}

/** $XDG_CACHE_HOME/skiff/cdi, else ~/.cache/skiff/cdi (the XDG default);
    null without an absolute $XDG_CACHE_HOME or $HOME. */
export function cacheOf(getenv: Getenv, euid: number): Cache | null {
  var xdg = getenv("XDG_CACHE_HOME");
  var home = getenv("HOME");
  if (xdg !== undefined && xdg.charAt(0) === "/")
    return { dir: path.join(xdg, "skiff/cdi"), euid: euid };
  if (home !== undefined && home.charAt(0) === "/")
    return { dir: path.join(home, ".cache/skiff/cdi"), euid: euid };
  return null;
}

/** What tells one version of a file from another: its inode, size and
    times (a file replaced or changed in place gets a new ctime). */
export function identity(st: NativeStat): string {
  return st.dev + "." + st.ino + "." + st.size + "." + st.mtime + "." + st.ctime;
}

/** An entry's name part for s (paths): a 32-bit hash, in hex. Entries are named
    for what they are made for (a spec file's path, an image's), not for
    its version, so that the entry of a regenerated spec or a rebuilt
    image replaces the old one rather than lying beside it for ever (two
    names that share a hash share an entry: each replaces the other). */
export function nameOf(s: string): string {
  var h = 0;
  for (var i = 0; i < s.length; i++)
    h = (h * 31 + s.charCodeAt(i)) | 0; // Java's String.hashCode
  return (h >>> 0).toString(16);
}

/** lstat of p, and, if it is a symlink, stat of it too, both added to
    stats (null: missing); what p names (stat), or null. */
export function probe(sys: Sys, p: string, stats: Array<NativeStat | null>): NativeStat | null {
  var st = statOrNull(sys, p, false);
  stats.push(st);
  if (st !== null && (st.mode & C.S_IFMT) === C.S_IFLNK)
    stats.push(st = statOrNull(sys, p, true));
  return st;
}

/** One line for many files' versions: a file changed or replaced since
    gets a newer ctime (which no one can set back), one added or removed
    another count, one swapped for another (or two swapped) another sum of
    inode numbers by place. */
export function versionsOf(stats: Array<NativeStat | null>): string {
  var n = 0, ctime = 0, mtime = 0, bytes = 0, inodes = 0;
  for (var i = 0; i < stats.length; i++) {
    var st = stats[i];
    if (st === null)
      continue;
    n++;
    // comparisons, not Math.max(): two calls fewer a file
    if (st.ctime > ctime)
      ctime = st.ctime;
    if (st.mtime > mtime)
      mtime = st.mtime;
    bytes += st.size;
    inodes = (inodes + (i + 1) * (st.ino % 0x7fffffff)) % 0x1fffffffffff;
  }
  return n + " of " + stats.length + " files, newest " + ctime + "/" + mtime + ", " + bytes + " bytes, inodes "
    + inodes;
}

/** Which skiff makes an entry: a new build may read or check differently. */
export function maker(sys: Sys): string {
  var exe = statOrNull(sys, "/proc/self/exe", true);
  return "skiff " + (exe === null ? "?" : identity(exe));
}

/** st belongs to the user and no one else may write it. */
function owned(c: Cache, st: NativeStat): boolean {
  return st.uid === c.euid && (st.mode & 18) === 0; // 022: group and others
}

/** Host path of entry name, if it is a regular file of the user's own in a
    directory of theirs; else null (said at -v). */
export function trustedFile(sys: Sys, c: Cache, name: string): string | null {
  var file = path.join(c.dir, name);
  try {
    var d = sys.lstat(c.dir);
    if (!isDir(d.mode) || !owned(c, d)) {
      log.verbose("CDI cache: not using " + c.dir + ": not your own directory, or others may write to it");
      return null;
    }
    var st = sys.lstat(file);
    if ((st.mode & C.S_IFMT) !== C.S_IFREG || !owned(c, st)) {
      log.verbose("CDI cache: not using " + file + ": not your own file, or others may write to it");
      return null;
    }
    return file;
  } catch (e) {
    if (!isSysError(e))
      throw e;
    log.verbose("CDI cache: no " + file + " (" + e.message + ")");
    return null;
  }
}

/** The value of entry name (JSON) if it was made for key; else undefined.
    key may be worked out from the value (what it was made from). */
export function readEntry(sys: Sys, c: Cache, name: string, key: string | ((value: unknown) => string)): unknown {
  var file = trustedFile(sys, c, name);
  if (file === null)
    return undefined;
  var chunks: string[] = [];
  try {
    readChunks(sys, file, function (s) { chunks.push(s); });
    var entry = JSON.parse(chunks.join("")) as { key?: unknown; value?: unknown };
    if (entry.key === (typeof key === "string" ? key : key(entry.value)))
      return entry.value;
    log.verbose("CDI cache: " + file + " is out of date");
  } catch (e) {
    if (!isSysError(e) && !(e instanceof SyntaxError))
      throw e;
    log.verbose("CDI cache: can't read " + file + ": " + (e as Error).message);
  }
  return undefined;
}

/** mkdir -p of the cache directory, each new directory the user's only. */
function makeDir(sys: Sys, dir: string): void {
  try {
    if (isDir(sys.stat(dir).mode))
      return;
  } catch (e) {
    if (!isErrno(e, "ENOENT"))
      throw e;
  }
  makeDir(sys, path.dirname(dir));
  try {
    sys.mkdir(dir, 448); // 0700
  } catch (e) {
    if (!isErrno(e, "EEXIST"))
      throw e;
  }
}

/** Write data as entry name in cache directory dir, atomically. A cache that can't be written
    only costs time: said at -v, not an error. */
export function writeFile(sys: Sys, dir: string, name: string, data: string): void {
  var file = path.join(dir, name);
  var tmp = file + "." + sys.getpid() + ".tmp";
  try {
    makeDir(sys, dir);
    var fd = sys.open(tmp, C.O_CREAT | C.O_EXCL | C.O_WRONLY
                      | C.O_NOFOLLOW, 384); // 0600
    try {
      writeAll(sys, fd, data);
    } finally {
      sys.close(fd);
    }
    sys.rename(tmp, file);
    log.verbose("CDI cache: saved " + file);
  } catch (e) {
    if (!isSysError(e))
      throw e;
    log.verbose("CDI cache: can't save " + file + ": " + e.message);
    try {
      sys.unlink(tmp);
    } catch (e2) {
      if (!isSysError(e2))
        throw e2;
    }
  }
}

/** Save value for key as entry name (JSON), as readEntry() reads it. */
export function writeEntry(sys: Sys, dir: string, name: string, key: string, value: unknown): void {
  writeFile(sys, dir, name, JSON.stringify({ key: key, value: value }));
}

/** What CDI's planning (the cdiplan unit) uses of this module and of
    ldcache.ts: handed to it by the cdi unit, which carries both (a module is
    in one unit only, and a unit imports no other). */
export interface CacheTools {
  identity: typeof identity;
  maker: typeof maker;
  nameOf: typeof nameOf;
  probe: typeof probe;
  readEntry: typeof readEntry;
  writeEntry: typeof writeEntry;
  imageKey: typeof import("./ldcache").imageKey;
  planLdCache: typeof import("./ldcache").planLdCache;
  specFiles: typeof import("./plancache").specFiles;
}
