// Which process a PID is: a PID alone may be reused as soon as its process
// has been reaped, but a PID with its start time (/proc/PID/stat field 22,
// clock ticks since boot) names one process for the life of the system.

import { isErrno } from "../log/fail";
import { C } from "../sys/constants";
import { Sys } from "../sys/sys";

/** Start time of pid, or null if it has exited (a zombie counts as
    exited: it runs nothing and its namespaces are gone). */
export function startTime(sys: Sys, pid: number): number | null {
  var text: string;
  try {
    var fd = sys.open("/proc/" + pid + "/stat", C.O_RDONLY);
    try {
      // One read: the kernel makes the whole line at once. Field 22 ends
      // within 500 bytes (a PID, a comm of at most 64 bytes, 19 numbers).
      text = sys.read(fd, 1024);
    } finally {
      sys.close(fd);
    }
  } catch (e) {
    if (isErrno(e, "ENOENT", "ESRCH"))
      return null;
    throw e;
  }
  // "PID (COMM) STATE ..." where COMM may hold anything, ")" included.
  // Split only up to field 22: a string for each of the 50 fields was a
  // quarter of what a --join peer spent finding its group.
  var fields = text.slice(text.lastIndexOf(")") + 2).split(" ", 22 - 2);
  if (fields[0] === "Z" || fields[0] === "X")
    return null;
  return Number(fields[22 - 3]);
}

/** True if pid is still the process that started at start. */
export function isAlive(sys: Sys, pid: number, start: number): boolean {
  return startTime(sys, pid) === start;
}
