// The test hook of test/e2e/fault.test.ts: with SKIFF_FAULT_POINT=N set,
// the process stops itself (SIGSTOP) at the Nth point of its launch, for
// the test to kill it there. Points sit between the executor's steps and
// in the windows where a kill could leave something behind. Unset, it
// costs a launch one getenv().

import { C } from "../sys/constants";
import { Sys } from "../sys/sys";

var stopAt = 0;
var passed = 0;

/** Read SKIFF_FAULT_POINT, once per launch. */
export function armFaults(sys: Sys): void {
  stopAt = Number(sys.getenv("SKIFF_FAULT_POINT"));
}

export function faultPoint(sys: Sys): void {
  if (++passed === stopAt)
    sys.kill(sys.getpid(), C.SIGSTOP);
}
