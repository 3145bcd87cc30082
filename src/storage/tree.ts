// Whole trees on the host: their size on disk and their removal. Symlinks
// are never followed: a link in an image is removed, not what it names.

import { isErrno } from "../log/fail";
import * as path from "../path/path";
import { C } from "../sys/constants";
import { isDir, Sys } from "../sys/sys";

/** Bytes allocated to the tree at p (as du counts: each inode once). */
export function treeSize(sys: Sys, p: string): number {
  var seen: { [devIno: string]: boolean } = {};
  var total = 0;
  var walk = function (q: string): void {
    var st = sys.lstat(q);
    var key = st.dev + ":" + st.ino;
    if (seen[key])
      return;
    seen[key] = true;
    total += st.blocks * 512;
    if (isDir(st.mode)) {
      var names = sys.listdir(q);
      for (var i = 0; i < names.length; i++)
        walk(path.join(q, names[i]));
    }
  };
  walk(p);
  return total;
}

/** Remove name in the directory open as dirFd, with everything below it.
    A directory we may not read or write is given u+rwx first (images
    unpacked as they came have them: ch-image does the same). */
function removeIn(sys: Sys, dirFd: number, name: string): void {
  var st = sys.fstatat(dirFd, name, C.AT_SYMLINK_NOFOLLOW);
  if (!isDir(st.mode))
    return sys.unlinkat(dirFd, name, 0);
  if ((st.mode & 0o700) !== 0o700)
    sys.fchmodat(dirFd, name, (st.mode & 0o7777) | 0o700, 0);
  var fd = sys.openat(dirFd, name, C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
  try {
    var names = sys.listdir("/proc/self/fd/" + fd);
    for (var i = 0; i < names.length; i++)
      removeIn(sys, fd, names[i]);
  } finally {
    sys.close(fd);
  }
  sys.unlinkat(dirFd, name, C.AT_REMOVEDIR);
}

/** Give the directory at p u+rwx if it lacks them: moving it to another
    directory needs write permission on it (its ".." changes). */
export function letOwnerWrite(sys: Sys, p: string): void {
  var st = sys.lstat(p);
  if (isDir(st.mode) && (st.mode & 0o700) !== 0o700)
    sys.fchmodat(C.AT_FDCWD, p, (st.mode & 0o7777) | 0o700, 0);
}

/** Remove the tree at p, which must exist. */
export function removeTree(sys: Sys, p: string): void {
  var parts = path.split(p);
  var parent = sys.open(parts[0], C.O_RDONLY | C.O_DIRECTORY);
  try {
    removeIn(sys, parent, parts[1]);
  } finally {
    sys.close(parent);
  }
}

/** Remove the tree at p if there is one. */
export function removeTreeIfAny(sys: Sys, p: string): void {
  try {
    removeTree(sys, p);
  } catch (e) {
    if (!isErrno(e, "ENOENT"))
      throw e;
  }
}
