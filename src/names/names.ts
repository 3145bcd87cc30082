// The host's names of users and groups (the container's /etc/passwd and
// /etc/group, and messages about owners): NSS, as ch-run asks it. Linked
// statically, skiff has only NSS's files backend (native/binding.c). A
// caller that only SSSD, LDAP, systemd, ... know: main.ts hands their
// launch to skiff-dynamic (src/linkage/linkage.ts), which asks NSS itself;
// what skiff is still asked about past /etc/passwd and /etc/group (another
// ID given with -u or -g, an owner named in a message, every name where
// skiff-dynamic is missing) it asks getent(1), glibc's own NSS client,
// which loads the site's modules as any program does: slower, but the same
// names (doc/container.md §4.6.1).

import { isErrno, isSysError } from "../log/fail";
import * as log from "../log/log";
import { linkedStatically } from "../linkage/linkage";
import { C } from "../sys/constants";
import { describeWaitStatus, Sys } from "../sys/sys";

/** Where the names come from: NSS, through the binding. */
export type NameLookups = Pick<Sys, "getpwuid" | "getgrgid">;

/** Where Debian, Fedora and the rest install glibc's getent. */
var GETENT = "/usr/bin/getent";

/** The caller's entries as lookUpCaller() found them, for the container's
    files: each lookup reads all of /etc/passwd or /etc/group again. */
var caller: { sys: Sys; uid: number; gid: number; pw: NativePasswd | null; gr: NativeGroup | null } | null = null;

/** Look up the caller (uid, gid), keeping the entries for the container's
    files; true if this binary names them itself: it asks NSS, or they are
    in /etc/passwd and /etc/group. A files backend that fails (an
    unreadable /etc/group) is not naming them: NSS will say why. */
export function lookUpCaller(sys: Sys, uid: number, gid: number): boolean {
  if (!linkedStatically())
    return true;
  try {
    caller = { sys: sys, uid: uid, gid: gid, pw: sys.getpwuid(uid), gr: sys.getgrgid(gid) };
  } catch (e) {
    if (!isSysError(e))
      throw e;
    return false;
  }
  return caller.pw !== null && caller.gr !== null;
}

/** The host's names: the binding's lookups, completed by getent(1) when
    skiff is linked statically. */
export function hostNames(sys: Sys): NameLookups {
  if (!linkedStatically())
    return sys;
  var mine = caller !== null && caller.sys === sys ? caller : null;
  return {
    getpwuid: function (uid) {
      var pw = mine !== null && mine.uid === uid ? mine.pw : sys.getpwuid(uid);
      var f = pw === null ? getent(sys, "passwd", uid, 7) : null;
      return f === null ? pw : { name: f[0], uid: uid, gid: Number(f[3]), gecos: f[4], dir: f[5], shell: f[6] };
    },
    getgrgid: function (gid) {
      var gr = mine !== null && mine.gid === gid ? mine.gr : sys.getgrgid(gid);
      var f = gr === null ? getent(sys, "group", gid, 4) : null;
      return f === null ? gr : { name: f[0], gid: gid };
    },
  };
}

/** The fields of getent's entry for id in database db (at least n of
    them), or null if it has none. getent can't tell a missing entry from
    NSS failing to look (both exit 2): either is no entry. A getent that
    can't be run or fails otherwise is warned of, and taken as no entry. */
function getent(sys: Sys, db: string, id: number, n: number): string[] | null {
  var what = GETENT + " " + db + " " + id;
  var out = "";
  var status = -1; // unknown: reaped by a SIGCHLD we inherited ignored
  try {
    var fds = sys.pipe();
    var pid = -1;
    try {
      try {
        pid = sys.posix_spawn(GETENT, ["getent", db, String(id)], sys.environ(), [["dup2", fds[1], 1]],
                              { setsigmask: [], setsigdef: [C.SIGPIPE] });
      } finally {
        sys.close(fds[1]);
      }
      for (var chunk = sys.read(fds[0], 65536); chunk !== ""; chunk = sys.read(fds[0], 65536))
        out += chunk;
    } finally {
      sys.close(fds[0]);
      if (pid > 0)
        status = reap(sys, pid);
    }
  } catch (e) {
    if (!isSysError(e))
      throw e;
    log.warning("can't run " + what + ": " + e.message
                + " (hint: skiff asks glibc's getent for what is not in /etc/" + db + ")");
    return null;
  }
  if (status === 2 << 8) // "key not found"
    return null;
  var fields = out.split("\n")[0].split(":");
  if (status > 0 || fields.length < n) {
    log.warning(what + (status > 0 ? " failed (" + describeWaitStatus(status) + ")"
                        : " gave no entry of " + n + " fields")
                + " (hint: check the NSS set-up, /etc/nsswitch.conf; the container gets dummy names)");
    return null;
  }
  return fields;
}

/** pid's wait status; -1 if it was reaped for us (ECHILD). */
function reap(sys: Sys, pid: number): number {
  try {
    return sys.waitpid(pid)[1];
  } catch (e) {
    if (!isErrno(e, "ECHILD"))
      throw e;
    return -1;
  }
}
