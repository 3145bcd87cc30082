// User + mount namespaces: ch_core.c's namespaces_setup() and
// namespaces_join().

import { fail, isErrno } from "../log/fail";
import * as log from "../log/log";
import { IdMap } from "../plan/plan";
import { C } from "../sys/constants";
import { Sys, writeAll } from "../sys/sys";

function writeProcFile(sys: Sys, file: string, content: string): void {
  var p = "/proc/self/" + file;
  try {
    var fd = sys.open(p, C.O_WRONLY);
    try {
      writeAll(sys, fd, content);
    } finally {
      sys.close(fd);
    }
  } catch (e) {
    fail("can't write " + p, e);
  }
}

function logIds(sys: Sys, where: string): void {
  if (log.enabled(log.LL_TRACE))
    log.trace(where + ": uids=" + sys.getresuid().join(",") + ", gids=" + sys.getresgid().join(","));
}

/** New user namespace, and mount namespace if mountns, mapping exactly one
    UID and one GID: without CAP_SETUID in the parent namespace that is all
    the kernel allows, and it is enough to change our IDs inside
    (user_namespaces(7)). */
export function enterUserNamespace(sys: Sys, m: IdMap, mountns: boolean): void {
  if (log.enabled(log.LL_VERBOSE))
    log.verbose("setting up namespaces: " + m.uidOut + ":" + m.gidOut + " -> " + m.uidIn + ":" + m.gidIn);
  try {
    sys.unshare((mountns ? C.CLONE_NEWNS : 0) | C.CLONE_NEWUSER);
  } catch (e) {
    fail("can't init user+mount namespaces", e,
         { hint: "unprivileged user namespaces must be enabled (sysctl user.max_user_namespaces)" });
  }
  writeProcFile(sys, "uid_map", m.uidIn + " " + m.uidOut + " 1\n");
  // setgroups must be denied before an unprivileged gid_map write
  writeProcFile(sys, "setgroups", "deny\n");
  writeProcFile(sys, "gid_map", m.gidIn + " " + m.gidOut + " 1\n");
  logIds(sys, "namespaces");
}

/** setns(2) into the user then the mount namespace of pid. Both are opened
    first, so they are one process's even if pid exits meanwhile, and
    verify, if given, may refuse them by their fstat() (e.g. their inode). */
export function joinNamespaces(sys: Sys, pid: number, verify?: (type: string, ns: NativeStat) => void): void {
  log.verbose("joining namespaces of pid " + pid);
  var types = ["user", "mnt"];
  var fds: number[] = [];
  try {
    for (var i = 0; i < types.length; i++)
      fds.push(openNamespace(sys, pid, types[i]));
    for (var j = 0; j < types.length; j++) {
      if (verify)
        verify(types[j], sys.fstat(fds[j]));
    }
    for (var k = 0; k < types.length; k++) {
      try {
        sys.setns(fds[k], 0);
      } catch (e) {
        // ch-run's words, with its apostrophe (ch_core.c's namespace_join()).
        fail("can\u2019t join " + types[k] + " namespace of pid " + pid, e,
             { hint: "you can only join containers started by your own user" });
      }
    }
  } finally {
    for (var m = 0; m < fds.length; m++)
      sys.close(fds[m]);
  }
}

function openNamespace(sys: Sys, pid: number, type: string): number {
  var p = "/proc/" + pid + "/ns/" + type;
  try {
    return sys.open(p, C.O_RDONLY);
  } catch (e) {
    if (isErrno(e, "ENOENT"))
      return fail("join: no PID " + pid + ": " + p + " not found", undefined,
                  { hint: "is the process still running?" });
    return fail("join: can't open " + p, e, isErrno(e, "EACCES", "EPERM")
      ? { hint: "you can only join containers started by your own user" } : undefined);
  }
}
