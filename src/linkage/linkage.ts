// skiff is linked statically (Makefile): a launch maps no dynamic loader
// and no library. Static glibc can't do two things, though: load libraries
// (the image commands' libarchive, libcurl, libcrypto) and load NSS modules
// (users and groups that SSSD, LDAP, systemd, ... know but /etc/passwd and
// /etc/group don't). skiff-dynamic, the same program linked dynamically,
// which `make install` puts next to skiff, can; skiff execs it, with its
// own argv and environment, where either is needed (doc/container.md §4.6.1).

import { fail, isErrno } from "../log/fail";
import * as path from "../path/path";
import { host } from "../sys/host";
import { Sys } from "../sys/sys";

var DYNAMIC = "skiff-dynamic";

export function linkedStatically(): boolean {
  return host().linkage === "static";
}

/** skiff-dynamic's path: next to this binary. */
function dynamicPath(sys: Sys): string {
  return path.join(path.dirname(sys.readlink("/proc/self/exe")), DYNAMIC);
}

/** Become skiff-dynamic, doing what was asked of us. Returns only if
    there is none next to skiff, to a caller that can do without. */
export function execDynamicIfInstalled(sys: Sys): void {
  var exe = dynamicPath(sys);
  try {
    sys.execve(exe, host().argv, sys.environ());
  } catch (e) {
    if (!isErrno(e, "ENOENT"))
      fail("can't run " + exe, e);
  }
}

/** Become skiff-dynamic, which this needs. */
export function execDynamic(sys: Sys, what: string): never {
  execDynamicIfInstalled(sys);
  return fail("can't find " + dynamicPath(sys), undefined,
              { hint: what + " runs in " + DYNAMIC + ", which make install puts next to skiff" });
}
