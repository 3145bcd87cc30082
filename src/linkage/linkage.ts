// skiff is linked statically (Makefile): a launch maps no dynamic loader
// and no library. Static glibc can't do two things, though: load libraries
// (the image commands' libarchive, libcurl, libcrypto) and load NSS modules
// (users and groups that SSSD, LDAP, systemd, ... know but /etc/passwd and
// /etc/group don't). skiff-dynamic, the same program linked dynamically,
// which `make install` puts next to skiff, can; skiff execs it, with its
// own argv and environment, where either is needed (doc/container.md
// §4.6.1, doc/commands.md).

import { fail, isErrno, isSysError } from "../log/fail";
import * as path from "../path/path";
import { host } from "../sys/host";
import { statOrNull, Sys } from "../sys/sys";

var DYNAMIC = "skiff-dynamic";

export function linkedStatically(): boolean {
  return host().linkage === "static";
}

/** This binary's path, or null if /proc can't say. */
function ownExe(sys: Sys): string | null {
  try {
    return sys.readlink("/proc/self/exe");
  } catch (e) {
    if (!isSysError(e))
      throw e;
    return null;
  }
}

/** The directory this binary is in, or null if /proc can't say. */
export function ownDir(sys: Sys): string | null {
  var exe = ownExe(sys);
  return exe === null ? null : path.dirname(exe);
}

/** Become skiff-dynamic, doing what was asked of us. Returns, to a caller
    that can do without, if there is none next to this binary, or this
    binary is it (a static build under that name would exec itself for
    ever). One that is there but can't be run fails. */
export function execDynamicIfInstalled(sys: Sys): void {
  var self = ownExe(sys);
  if (self === null)
    return;
  var exe = path.join(path.dirname(self), DYNAMIC);
  if (self === exe)
    return;
  try {
    sys.execve(exe, host().argv, sys.environ());
  } catch (e) {
    // ENOENT is also a missing ELF interpreter: then the file is there
    if (!isErrno(e, "ENOENT") || statOrNull(sys, exe, true) !== null)
      fail("can't run " + exe, e);
  }
}

/** Become skiff-dynamic, which what (e.g. "skiff pull") needs. */
export function execDynamic(sys: Sys, what: string): never {
  execDynamicIfInstalled(sys);
  var dir = ownDir(sys);
  return fail("can't find " + (dir === null ? DYNAMIC : path.join(dir, DYNAMIC)), undefined,
              { hint: what + " runs in " + DYNAMIC + ", which make install puts next to skiff" });
}
