// --feature=FEAT: what this build on this kernel really supports
// (doc/command-line.md §1.2: 0 if available; squash/seccomp/extglob else 31,
// overlayfs/tmpfs-xattrs else 1).

import { EXIT_FAILURE, EXIT_MISC_ERR } from "../log/fail";

/** Kernel release "6.18.44-foo" at least major.minor? */
export function kernelAtLeast(release: string, major: number, minor: number): boolean {
  var m = /^(\d+)\.(\d+)/.exec(release);
  if (m === null)
    return false;
  var a = Number(m[1]), b = Number(m[2]);
  return a > major || (a === major && b >= minor);
}

/** What the answers depend on, found out by the caller. */
export interface FeatureFacts {
  /** uname -r */
  kernelRelease: string;
  /** SquashFS images can be mounted: the FUSE server is installed and
      /dev/fuse is usable by this user. */
  squash: boolean;
  /** --seccomp installs a filter in this build. */
  seccomp: boolean;
}

/** Exit status of --feature=name, or undefined if name is unknown. */
export function featureStatus(name: string, facts: FeatureFacts): number | undefined {
  switch (name) {
    case "cdi":
      return 0; // src/cdi/
    case "extglob":
      return 0; // src/env/glob.ts
    case "seccomp":
      return facts.seccomp ? 0 : EXIT_MISC_ERR;
    case "squash":
      return facts.squash ? 0 : EXIT_MISC_ERR;
    // Unprivileged overlayfs arrived in Linux 5.11, tmpfs user xattrs
    // (which it needs for directories it creates) in 6.6.
    case "overlayfs":
      return kernelAtLeast(facts.kernelRelease, 5, 11) ? 0 : EXIT_FAILURE;
    case "tmpfs-xattrs":
      return kernelAtLeast(facts.kernelRelease, 6, 6) ? 0 : EXIT_FAILURE;
  }
  return undefined;
}
