import { fail } from "../log/fail";
import { Sys } from "../sys/sys";

/** --seccomp root emulation: not yet implemented. */
export function installSeccomp(_sys: Sys): void {
  fail("--seccomp is not supported yet");
}
