// skiff is linked statically (Makefile): a launch maps no dynamic loader
// and no library. Static glibc can't do two things, though: load libraries
// (the image commands' libarchive, libcurl, libcrypto) and load NSS modules
// (users and groups that SSSD, LDAP, systemd, ... know but /etc/passwd and
// /etc/group don't). skiff-dynamic, the same program linked dynamically,
// which `make install` puts next to skiff, can; skiff execs it, with its
// own argv and environment, where either is needed (doc/container.md
// §4.6.1, doc/commands.md).

import { fail, isSysError } from "../log/fail";
import * as path from "../path/path";
import { host } from "../sys/host";
import { statOrNull, Sys } from "../sys/sys";

var DYNAMIC = "skiff-dynamic";

export function linkedStatically(): boolean {
  return host().linkage === "static";
}

/** The directory this binary is in, or null if /proc can't say. */
export function ownDir(sys: Sys): string | null {
  try {
    return path.dirname(sys.readlink("/proc/self/exe"));
  } catch (e) {
    if (!isSysError(e))
      throw e;
    return null;
  }
}

/** Become skiff-dynamic, doing what was asked of us. Returns, to a caller
    that can do without, the path it looked for if there is nothing to
    exec: no file, or this very binary (a static build installed under
    that name, or linked to it, would exec itself for ever); null if /proc
    can't say where we are. One that is there but can't be run fails. */
export function execDynamicIfInstalled(sys: Sys): string | null {
  var dir = ownDir(sys);
  if (dir === null)
    return null;
  var exe = path.join(dir, DYNAMIC);
  var it = statOrNull(sys, exe, true);
  var me = statOrNull(sys, "/proc/self/exe", true);
  if (it === null || (me !== null && it.dev === me.dev && it.ino === me.ino))
    return exe;
  try {
    return sys.execve(exe, host().argv, sys.environ());
  } catch (e) {
    return fail("can't run " + exe, e, { hint: "make it executable by you, or reinstall skiff (make install)" });
  }
}

/** Become skiff-dynamic, which what (e.g. "skiff pull") needs. */
export function execDynamic(sys: Sys, what: string): never {
  var exe = execDynamicIfInstalled(sys);
  return fail("can't find " + (exe === null ? DYNAMIC + " (no /proc/self/exe)" : exe), undefined,
              { hint: what + " runs in " + DYNAMIC + ", which make install puts next to skiff" });
}
