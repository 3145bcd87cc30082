// Ctrl-C (SIGINT), SIGTERM and SIGHUP while pull, import or convert write
// into storage: blocked, and taken where the work checks for them (before
// each entry of a layer, and in libcurl's progress calls, several a second
// even when a download stalls), as a failure: the way out then removes
// what was half made (the image's temporary directory, a partial
// download) instead of leaving it to the next command's sweep. A child
// process inherits the mask and checks the same way.

import { fail, Failure, isFailure } from "../log/fail";
import { C } from "../sys/constants";
import { Sys } from "../sys/sys";

/** The signals that stop the work (storage/program.ts passes them on). */
export function stops(): number[] {
  return [C.SIGINT, C.SIGTERM, C.SIGHUP];
}

/** Between blockStops() and unblockStops(). */
var held = false;

/** Block them until unblockStops(); one that comes meanwhile waits. */
export function blockStops(sys: Sys): void {
  sys.sigprocmask(C.SIG_BLOCK, stops());
  held = true;
}

/** Are they blocked by blockStops() (so a program run meanwhile leaves
    them blocked: storage/program.ts)? */
export function stopsHeld(): boolean {
  return held;
}

/** Unblock them, dropping those that came since the last check: the work
    they would stop is over, or failing already (a child process that
    took the same Ctrl-C reported it), and must not be cut short on the
    way out. */
export function unblockStops(sys: Sys): void {
  while (sys.sigtimedwait(stops(), 0) !== null)
    continue;
  sys.sigprocmask(C.SIG_UNBLOCK, stops());
  held = false;
}

/** Fail if one of them came (failStopped). */
export function checkStops(sys: Sys, what: string): void {
  var got = sys.sigtimedwait(stops(), 0);
  if (got !== null)
    failStopped(what, got.signo);
}

/** what was stopped by signal signo: exit 128 + signo, as a shell's. */
export function failStopped(what: string, signo: number): never {
  return fail(what + " stopped: skiff was interrupted (signal " + signo + ")", undefined, { exitCode: 128 + signo });
}

/** Is e checkStops()'s failure? */
export function isStop(e: unknown): e is Failure {
  return isFailure(e) && e.exitCode > 128;
}
