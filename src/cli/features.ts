// --feature=FEAT: what this build on this kernel really supports
// (doc/command-line.md §1.2: 0 if available; squash/seccomp/extglob else 31,
// overlayfs/tmpfs-xattrs else 1); and --test's logging. Part of the help
// unit: a launch needs neither.

import { EXIT_FAILURE, EXIT_MISC_ERR, fail, isFailure, isSysError } from "../log/fail";
import * as log from "../log/log";
import { C } from "../sys/constants";
import { readFile, Sys } from "../sys/sys";

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

/** Can this user mount SquashFS images: is the FUSE server installed
    (findServer fails if not) and /dev/fuse open to us? */
function squashUsable(sys: Sys, findServer: () => void): boolean {
  try {
    findServer();
    sys.access("/dev/fuse", C.R_OK | C.W_OK);
    return true;
  } catch (e) {
    if (isFailure(e) || isSysError(e))
      return false;
    throw e;
  }
}

/** Does the kernel have seccomp (its status file says so)? The syscall
    numbers src/exec/seccomp.ts needs are built in (native/constants.def). */
function seccompUsable(sys: Sys): boolean {
  return /^Seccomp:/m.test(readFile(sys, "/proc/self/status"));
}

/** --feature=name's exit status on this machine, or undefined if name is
    unknown; findServer: the squash unit's search for the FUSE server. */
export function feature(sys: Sys, name: string, findServer: () => void): number | undefined {
  return featureStatus(name, { kernelRelease: sys.uname().release, squash: squashUsable(sys, findServer),
                               seccomp: seccompUsable(sys) });
}

/** --test's messages: one at each level (ch-run's test_logging()). */
function logEachLevel(): void {
  log.trace("trace");
  log.debug("debug");
  log.verbose("verbose");
  log.info("info");
  log.warning("warning");
}

/** --test=log, log-fail and log-fork. */
export function testLog(sys: Sys, test: "log" | "log-fail" | "log-fork"): void {
  if (test === "log-fork") {
    // The child's warning reaches the parent's reprint through the
    // shared warnings buffer; the child exits without reprinting.
    var child = sys.fork();
    if (child === 0) {
      logEachLevel();
      sys.exit(0);
    }
    sys.waitpid(child);
    return;
  }
  logEachLevel();
  if (test === "log-fail")
    fail("the program failed inexplicably (\"log-fail\" specified)");
}
