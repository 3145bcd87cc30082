// --join-ct and --join-pid as options: whole numbers within bounds
// (doc/join.md §5). plan/join.ts works out the rest of the peer group.

import { fail } from "../log/fail";
import { strtol10 } from "../sys/strtol";

/** Largest peer group: bounds the shared segment (16 bytes a peer). */
export var MAX_PEERS = 65536;

export var COUNT_HINT = "give the number of peers on this node, a whole number from 1 to " + MAX_PEERS
  + ", e.g. --join-ct=4";

export function checkCount(n: number, what: string, value: string, hint: string): number {
  if (n < 1)
    fail(what + ": invalid peer group size: '" + value + "': must be at least 1", undefined, { hint: hint });
  if (n > MAX_PEERS)
    fail(what + ": invalid peer group size: '" + value + "': more than " + MAX_PEERS, undefined, { hint: hint });
  return n;
}

/** value is one whole number and nothing else (ch-run's strict parse_int). */
function whole(value: string): number | null {
  var r = strtol10(value);
  return r.end > 0 && r.end === value.length ? r.value : null;
}

/** --join-ct=N: a whole number. */
export function parseJoinCount(value: string): number {
  var n = whole(value);
  if (n === null)
    return fail("--join-ct: invalid peer group size: '" + value + "': not a whole number", undefined,
                { hint: COUNT_HINT });
  return checkCount(n, "--join-ct", value, COUNT_HINT);
}

/** --join-pid=PID: a process ID, so a whole number above 0. */
export function parseJoinPid(value: string): number {
  var pid = whole(value);
  if (pid === null || pid < 1 || pid > 2147483647)
    return fail("--join-pid: invalid PID: '" + value + "'", undefined,
                { hint: "give the PID of a process in the container, e.g. from the `executing:` line of skiff run -v" });
  return pid;
}

