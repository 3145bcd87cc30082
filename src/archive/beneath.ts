// Paths inside an image being written, resolved one component at a time
// from the image root's directory fd (doc/import.md, "Nothing outside the
// image"): no component may be "..", and no component is followed if it is
// a symlink (O_NOFOLLOW), so nothing an archive lays down (a symlink, a
// hard link, a directory swapped for a link) can make a later write land
// outside the root. Component-wise rather than openat2(RESOLVE_BENEATH),
// which kernels before 5.6 (RHEL 8's) lack.

import { fail, isErrno } from "../log/fail";
import { C } from "../sys/constants";
import { isDir, Sys } from "../sys/sys";

/** An archive path's components, with leading "/" and "." dropped as tar
    does; null if one of them is "..". */
export function components(p: string): string[] | null {
  var out: string[] = [];
  var parts = p.split("/");
  for (var i = 0; i < parts.length; i++) {
    if (parts[i] === "..")
      return null;
    if (parts[i] !== "" && parts[i] !== ".")
      out.push(parts[i]);
  }
  return out;
}

/** The directory comps under dirFd, as an O_PATH fd the caller closes;
    missing directories are made (0755, less the umask) if create, else
    null is returned for them. A component that is a symlink or not a
    directory fails, naming what (the entry, for the message). */
export function openDir(sys: Sys, dirFd: number, comps: string[], create: boolean, what: string): number | null {
  var fd = sys.openat(dirFd, ".", C.O_PATH | C.O_DIRECTORY);
  for (var i = 0; i < comps.length; i++) {
    var next: number;
    try {
      next = sys.openat(fd, comps[i], C.O_PATH | C.O_DIRECTORY | C.O_NOFOLLOW);
    } catch (e) {
      if (isErrno(e, "ENOENT") && create) {
        sys.mkdirat(fd, comps[i], 0o755);
        next = sys.openat(fd, comps[i], C.O_PATH | C.O_DIRECTORY | C.O_NOFOLLOW);
      } else {
        sys.close(fd);
        if (isErrno(e, "ENOENT"))
          return null;
        if (isErrno(e, "ENOTDIR", "ELOOP"))
          return fail(what + ": refused: " + comps.slice(0, i + 1).join("/") + " is not a directory (a symlink "
                      + "could lead outside the image)");
        throw e;
      }
    }
    sys.close(fd);
    fd = next;
  }
  return fd;
}

/** lstat of name in dirFd, or null if there is none. */
export function statAt(sys: Sys, dirFd: number, name: string): NativeStat | null {
  try {
    return sys.fstatat(dirFd, name, C.AT_SYMLINK_NOFOLLOW);
  } catch (e) {
    if (isErrno(e, "ENOENT"))
      return null;
    throw e;
  }
}

/** The names in the directory open as fd. */
function entries(sys: Sys, fd: number): string[] {
  return sys.listdir("/proc/self/fd/" + fd);
}

/** Remove name from dirFd, a directory with everything below it. Every
    directory skiff writes has u+rwx, so each can be emptied. */
export function removeAt(sys: Sys, dirFd: number, name: string, st: NativeStat): void {
  if (!isDir(st.mode)) {
    sys.unlinkat(dirFd, name, 0);
    return;
  }
  var fd = sys.openat(dirFd, name, C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
  try {
    var names = entries(sys, fd);
    for (var i = 0; i < names.length; i++)
      removeAt(sys, fd, names[i], sys.fstatat(fd, names[i], C.AT_SYMLINK_NOFOLLOW));
  } finally {
    sys.close(fd);
  }
  sys.unlinkat(dirFd, name, C.AT_REMOVEDIR);
}

/** Remove what dirFd holds except the paths keep says to keep (prefix +
    name, for a directory also what is below it that keep keeps). */
export function removeAllBut(sys: Sys, dirFd: number, prefix: string, keep: (path: string) => boolean): void {
  var names = entries(sys, dirFd);
  for (var i = 0; i < names.length; i++) {
    var st = sys.fstatat(dirFd, names[i], C.AT_SYMLINK_NOFOLLOW);
    var p = prefix + names[i];
    if (!keep(p)) {
      removeAt(sys, dirFd, names[i], st);
    } else if (isDir(st.mode)) {
      var fd = sys.openat(dirFd, names[i], C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
      try {
        removeAllBut(sys, fd, p + "/", keep);
      } finally {
        sys.close(fd);
      }
    }
  }
}
