// --feature=FEAT: what this build on this kernel really supports
// (reference §1.2: 0 if available; squash/seccomp/extglob else 31,
// overlayfs/tmpfs-xattrs else 1).

import { EXIT_FAILURE, EXIT_MISC_ERR } from "../log/fail";
import { statOrNull, Sys } from "../sys/sys";

/** Kernel release "6.18.44-foo" at least major.minor? */
export function kernelAtLeast(release: string, major: number, minor: number): boolean {
  var m = /^(\d+)\.(\d+)/.exec(release);
  if (m === null)
    return false;
  var a = Number(m[1]), b = Number(m[2]);
  return a > major || (a === major && b >= minor);
}

/** Path of an executable found on $PATH, or null. */
export function which(sys: Sys, name: string, pathVar: string | undefined): string | null {
  var dirs = (pathVar || "/usr/local/bin:/usr/bin:/bin").split(":");
  for (var i = 0; i < dirs.length; i++) {
    var p = (dirs[i] || ".") + "/" + name;
    if (statOrNull(sys, p, true) !== null)
      return p;
  }
  return null;
}

export function featureStatus(sys: Sys, name: string, pathVar: string | undefined): number | undefined {
  var release = sys.uname().release;
  switch (name) {
    case "extglob":
    case "seccomp":
      return 0;
    case "squash":
      return which(sys, "squashfuse_ll", pathVar) !== null ? 0 : EXIT_MISC_ERR;
    case "overlayfs":
      return kernelAtLeast(release, 5, 11) ? 0 : EXIT_FAILURE;
    case "tmpfs-xattrs":
      return kernelAtLeast(release, 6, 6) ? 0 : EXIT_FAILURE;
  }
  return undefined;
}
