// The SquashFS mount point (doc/images.md §3.5): -m DIR, or the default
// /var/tmp/$USER.ch/mnt, in a directory everyone can write to. Another
// user who makes /var/tmp/$USER.ch first, or who can write to the mount
// point's directory, could swap in a tree of theirs between the mount and
// the pivot (renameat2(RENAME_EXCHANGE) in a loop) and have us run their
// code. So the path is checked before the user namespace, where we still
// see the host's owners (image/trust.ts), and the mount is made on the
// directory checked, by descriptor. After the mount, that descriptor
// still names the directory beneath it; the path now leads to the mount,
// and nobody but us and root can change where it leads.

import { attempt, fail, isErrno } from "../log/fail";
import * as log from "../log/log";
import * as path from "../path/path";
import { untrustedOnPath } from "../image/trust";
import { C } from "../sys/constants";
import { isDir, Sys } from "../sys/sys";

export interface DirId {
  dev: number;
  ino: number;
}

var MOUNT_HINT = "-m/--mount takes an existing directory";

/** mkdir -p for a host path. */
function makeDirs(sys: Sys, p: string): void {
  var parts = p.split("/");
  var cur = "";
  for (var i = 0; i < parts.length; i++) {
    if (parts[i] === "")
      continue;
    cur += "/" + parts[i];
    try {
      sys.mkdir(cur, 493); // 0755
    } catch (e) {
      if (!isErrno(e, "EEXIST"))
        fail("can't mkdir: " + cur, e, { hint: "create the mount point yourself and pass it with -m/--mount" });
    }
  }
}

/** Make (the default) and check the mount point, in the host's
    namespaces; what was checked. The default's directory
    ($USER.ch, the storage directory) must be ours as well. */
export function prepareMountpoint(sys: Sys, p: string, create: boolean): DirId {
  if (create) {
    log.verbose("using default mount point: " + p);
    makeDirs(sys, p);
  }
  var st = attempt("can't stat mount point: " + p, function () { return sys.stat(p); }, { hint: MOUNT_HINT });
  if (!isDir(st.mode))
    fail("not a directory: " + p, undefined, { hint: MOUNT_HINT });
  var bad = untrustedOnPath(sys, p, sys.getresuid()[1], create ? 2 : 1);
  if (bad !== null)
    fail("unsafe mount point: " + p + ": " + bad.dir + " is " + bad.why, undefined, {
      hint: "another user could swap in a tree of theirs and have you run it; "
        + (create ? "remove " + bad.dir + " (or have its owner remove it), or " : "")
        + "mount on a directory of your own with -m/--mount, on a path only you and root can change",
    });
  var l = sys.lstat(p);
  return { dev: l.dev, ino: l.ino };
}

/** The checked mount point, opened in our own mount namespace (a
    descriptor from the host's can't be mounted on there). */
export function openMountpoint(sys: Sys, p: string, checked: DirId): number {
  var fd = attempt("can't open mount point: " + p, function () {
    return sys.open(p, C.O_PATH | C.O_DIRECTORY | C.O_NOFOLLOW);
  });
  var st = sys.fstat(fd);
  if (st.dev !== checked.dev || st.ino !== checked.ino) {
    sys.close(fd);
    fail("mount point changed while in use: " + p, undefined,
         { hint: "something replaced it after it was checked; use -m/--mount with a directory only you can change" });
  }
  return fd;
}

/** The path of a descriptor, for calls that take only paths. */
export function fdPath(fd: number): string {
  return path.join("/proc/self/fd", String(fd));
}
