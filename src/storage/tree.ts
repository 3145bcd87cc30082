// Whole trees on the host: their size on disk and their removal. Symlinks
// are never followed: a link in an image is removed, not what it names.

import { isErrno } from "../log/fail";
import * as path from "../path/path";
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
    if (isDir(sys, st.mode)) {
      var names = sys.listdir(q);
      for (var i = 0; i < names.length; i++)
        walk(path.join(q, names[i]));
    }
  };
  walk(p);
  return total;
}

/** Remove the tree at p, which must exist. */
export function removeTree(sys: Sys, p: string): void {
  if (!isDir(sys, sys.lstat(p).mode))
    return sys.unlink(p);
  var names = sys.listdir(p);
  for (var i = 0; i < names.length; i++)
    removeTree(sys, path.join(p, names[i]));
  sys.rmdir(p);
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
