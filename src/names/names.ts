// The host's names of users and groups (the container's /etc/passwd and
// /etc/group, and messages about owners): NSS, as ch-run asks it. Linked
// statically, skiff has only NSS's files backend (native/binding.c). A
// user or group that only SSSD, LDAP, systemd, ... know: main.ts hands a
// launch by such a user to skiff-dynamic (src/linkage/linkage.ts), which
// asks NSS itself; what skiff is still asked about past /etc/passwd and
// /etc/group (another ID given with -u or -g, an owner named in a message)
// it asks getent(1), glibc's own NSS client, which loads the site's
// modules as any program does: slower, but exact (doc/container.md §4.6.1).

import { isSysError } from "../log/fail";
import * as log from "../log/log";
import { linkedStatically } from "../linkage/linkage";
import { Sys } from "../sys/sys";

/** Where the names come from: NSS, through the binding. */
export type NameLookups = Pick<Sys, "getpwuid" | "getgrgid">;

/** Where Debian, Fedora and the rest install glibc's getent. */
var GETENT = "/usr/bin/getent";

/** The caller's entries as namesAtHand() found them, for the container's
    files: each lookup reads all of /etc/passwd or /etc/group again. */
var caller: { sys: Sys; uid: number; gid: number; pw: NativePasswd | null; gr: NativeGroup | null } | null = null;

/** True if this binary can name user uid and group gid without asking
    getent: they are in /etc/passwd and /etc/group, or it asks NSS itself. */
export function namesAtHand(sys: Sys, uid: number, gid: number): boolean {
  if (!linkedStatically())
    return true;
  caller = { sys: sys, uid: uid, gid: gid, pw: sys.getpwuid(uid), gr: sys.getgrgid(gid) };
  return caller.pw !== null && caller.gr !== null;
}

/** The host's names: the binding's lookups, completed by getent(1) when
    skiff is linked statically. */
export function hostNames(sys: Sys): NameLookups {
  if (!linkedStatically())
    return sys;
  return {
    getpwuid: function (uid) {
      var pw = caller !== null && caller.sys === sys && caller.uid === uid ? caller.pw : sys.getpwuid(uid);
      var f = pw === null ? getent(sys, "passwd", uid, 7) : null;
      return f === null ? pw : { name: f[0], uid: uid, gid: Number(f[3]), gecos: f[4], dir: f[5], shell: f[6] };
    },
    getgrgid: function (gid) {
      var gr = caller !== null && caller.sys === sys && caller.gid === gid ? caller.gr : sys.getgrgid(gid);
      var f = gr === null ? getent(sys, "group", gid, 4) : null;
      return f === null ? gr : { name: f[0], gid: gid };
    },
  };
}

/** The fields of getent's entry for id in database db (at least n of
    them), or null if it has none. A getent that can't be run or fails
    otherwise is warned of, and taken as no entry. */
function getent(sys: Sys, db: string, id: number, n: number): string[] | null {
  var out = "";
  var status: number;
  try {
    var fds = sys.pipe();
    try {
      try {
        var pid = sys.posix_spawn(GETENT, ["getent", db, String(id)], sys.environ(), [["dup2", fds[1], 1]], {});
      } finally {
        sys.close(fds[1]);
      }
      for (var chunk = sys.read(fds[0], 65536); chunk !== ""; chunk = sys.read(fds[0], 65536))
        out += chunk;
    } finally {
      sys.close(fds[0]);
    }
    status = sys.waitpid(pid)[1];
  } catch (e) {
    if (!isSysError(e))
      throw e;
    log.warning("can't look up " + db + " entry " + id + ": " + e.message
                + " (hint: skiff asks glibc's getent for what is not in /etc/" + db + ")");
    return null;
  }
  if (status === 2 << 8) // getent: "key not found"
    return null;
  var fields = out.split("\n")[0].split(":");
  if (status !== 0 || fields.length < n) {
    log.warning(GETENT + " " + db + " " + id + " failed (wait status " + status + ")"
                + " (hint: check the NSS set-up, /etc/nsswitch.conf)");
    return null;
  }
  return fields;
}
