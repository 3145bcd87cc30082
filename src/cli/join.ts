// --join-ct and --join-pid as options: whole numbers within bounds
// (doc/join.md §5). plan/join.ts works out the rest of the peer group.

import { fail } from "../log/fail";
import { parseInt10 } from "./int";

/** Largest peer group: bounds the shared segment (16 bytes a peer). */
export var MAX_PEERS = 65536;

export var COUNT_HINT = "give the number of peers on this node, a whole number from 1 to " + MAX_PEERS
  + ", e.g. --join-ct=4";

/** n, the size given by what (an option or variable, as value), if from 1
    to MAX_PEERS. */
export function checkCount(n: number, what: string, value: string, hint: string): number {
  if (n < 1 || n > MAX_PEERS)
    fail("join: no valid peer group size found", undefined,
         { hint: what + " is '" + value + "', " + (n < 1 ? "less than 1" : "more than " + MAX_PEERS) + "; " + hint });
  return n;
}

/** --join-ct=N: a whole number (ch-run's strict parse_int). */
export function parseJoinCount(value: string): number {
  return checkCount(parseInt10(value, false, "--join-ct"), "--join-ct", value, COUNT_HINT);
}

/** --join-pid=PID: a process ID, so a whole number above 0. */
export function parseJoinPid(value: string): number {
  var pid = parseInt10(value, false, "--join-pid");
  if (pid < 1)
    return fail("--join-pid: invalid PID: '" + value + "'", undefined,
                { hint: "give the PID of a process in the container, e.g. from the `executing:` line of skiff run -v" });
  return pid;
}

