// Which process a PID is: a PID alone may be reused as soon as its process
// has been reaped, but a PID with its start time (/proc/PID/stat field 22,
// clock ticks since boot) names one process for the life of the system.

import { isErrno } from "../log/fail";
import { Sys } from "../sys/sys";

/** Start time of pid, or null if it has exited (a zombie counts as
    exited: it runs nothing and its namespaces are gone). */
export function startTime(sys: Sys, pid: number): number | null {
  var text: string;
  try {
    var fd = sys.open("/proc/" + pid + "/stat", sys.constants.O_RDONLY);
    try {
      // One read: the kernel makes the whole line at once, and it is far
      // shorter than a page (52 numbers and a comm of at most 64 bytes).
      text = sys.read(fd, 4096);
    } finally {
      sys.close(fd);
    }
  } catch (e) {
    if (isErrno(e, "ENOENT", "ESRCH"))
      return null;
    throw e;
  }
  // "PID (COMM) STATE ..." where COMM may hold anything, ")" included.
  var fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z" || fields[0] === "X")
    return null;
  return Number(fields[22 - 3]);
}

/** True if pid is still the process that started at start. */
export function isAlive(sys: Sys, pid: number, start: number): boolean {
  return startTime(sys, pid) === start;
}
