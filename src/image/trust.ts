// Directories another local user could change under us. /var/tmp is
// everyone's: a user who makes /var/tmp/VICTIM.ch first, or can write to
// it, can swap the SquashFS mount point for a tree of theirs between the
// mount and the pivot, and the victim runs their code (doc/images.md §3.5).
// A path is trusted when every directory on it is a real directory that
// only we (or root) can change: owned by us or root, and not writable by
// group or others, unless sticky (then others can't rename our entries).

import { hostNames } from "../names/names";
import * as path from "../path/path";
import { isDir, isLink, Sys } from "../sys/sys";

var S_ISVTX = 512; // 01000

/** "mallory (uid 1510)", or "uid 1510" if it has no name. */
function ownerName(sys: Sys, uid: number): string {
  var pw = hostNames(sys).getpwuid(uid);
  return pw === null ? "uid " + uid : pw.name + " (uid " + uid + ")";
}

/** Why directory st could be changed by a user but euid and root, or
    null if it can't. own: it must be euid's own, and not even sticky
    helps (we create or mount in it). */
function untrustedBecause(sys: Sys, st: NativeStat, euid: number, own: boolean): string | null {
  if (isLink(st.mode))
    return "a symbolic link";
  if (!isDir(st.mode))
    return "not a directory";
  if (st.uid !== euid && (own || st.uid !== 0))
    return "owned by " + ownerName(sys, st.uid) + (euid === 0 ? "" : ", not by you");
  if ((st.mode & 18) !== 0 && (own || (st.mode & S_ISVTX) === 0)) // 022
    return "writable by " + ((st.mode & 2) !== 0 ? "others" : "its group");
  return null;
}

export interface Untrusted {
  /** The directory at fault. */
  dir: string;
  why: string;
}

/** The first directory on canonical path p someone else could change, or
    null; the last `own` directories must be euid's own. */
export function untrustedOnPath(sys: Sys, p: string, euid: number, own: number): Untrusted | null {
  var parts = p.split("/").filter(function (s) { return s !== ""; });
  var cur = "/";
  for (var i = -1; i < parts.length; i++) {
    if (i >= 0)
      cur = path.join(cur, parts[i]);
    var why = untrustedBecause(sys, sys.lstat(cur), euid, i >= parts.length - own);
    if (why !== null)
      return { dir: cur, why: why };
  }
  return null;
}
