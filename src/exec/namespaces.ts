// User + mount namespaces: the seed's namespaces_setup() and
// namespaces_join().

import { attempt, fail, isErrno } from "../log/fail";
import * as log from "../log/log";
import { IdMap } from "../plan/plan";
import { Sys, writeAll } from "../sys/sys";

function writeProcFile(sys: Sys, file: string, content: string): void {
  var p = "/proc/self/" + file;
  attempt("can't write " + p, function () {
    var fd = sys.open(p, sys.constants.O_WRONLY);
    try {
      writeAll(sys, fd, content);
    } finally {
      sys.close(fd);
    }
  });
}

export function logIds(sys: Sys, where: string): void {
  if (log.enabled(log.LL_TRACE))
    log.trace(where + ": uids=" + sys.getresuid().join(",") + ", gids=" + sys.getresgid().join(","));
}

/** New user+mount namespace mapping exactly one UID and one GID: without
    CAP_SETUID in the parent namespace that is all the kernel allows, and
    it is enough to change our IDs inside (user_namespaces(7)). */
export function enterUserNamespace(sys: Sys, m: IdMap): void {
  log.verbose("setting up namespaces: " + m.uidOut + ":" + m.gidOut + " -> " + m.uidIn + ":" + m.gidIn);
  attempt("can't init user+mount namespaces", function () {
    sys.unshare(sys.constants.CLONE_NEWNS | sys.constants.CLONE_NEWUSER);
  }, { hint: "unprivileged user namespaces must be enabled (sysctl user.max_user_namespaces)" });
  writeProcFile(sys, "uid_map", m.uidIn + " " + m.uidOut + " 1\n");
  // setgroups must be denied before an unprivileged gid_map write
  writeProcFile(sys, "setgroups", "deny\n");
  writeProcFile(sys, "gid_map", m.gidIn + " " + m.gidOut + " 1\n");
  logIds(sys, "namespaces");
}

/** setns(2) into the user then the mount namespace of pid. */
export function joinNamespaces(sys: Sys, pid: number): void {
  log.verbose("joining namespaces of pid " + pid);
  var types = ["user", "mnt"];
  for (var i = 0; i < types.length; i++) {
    var p = "/proc/" + pid + "/ns/" + types[i];
    var fd: number;
    try {
      fd = sys.open(p, sys.constants.O_RDONLY);
    } catch (e) {
      if (isErrno(e, "ENOENT"))
        fail("join: no PID " + pid + ": " + p + " not found");
      return fail("join: can't open " + p, e);
    }
    try {
      attempt("can't join " + types[i] + " namespace of pid " + pid, function () { sys.setns(fd, 0); });
    } finally {
      sys.close(fd);
    }
  }
}
