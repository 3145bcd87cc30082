// Wait statuses and the supervisor's view of its children, as plain
// functions of what the kernel reports (unit-tested without processes).

/** The signal that killed the process, 0 if it exited. */
export function signalOf(status: number): number {
  return status & 0x7f;
}

/** The shell's convention, which ch-run's SquashFS parent follows: the exit
    code of a process that exited, 128+N for one killed by signal N. */
export function exitCodeOf(status: number): number {
  var sig = signalOf(status);
  return sig === 0 ? (status >> 8) & 0xff : 128 + sig;
}

/** ch-run's wording, for logs and messages. */
export function describeStatus(status: number): string {
  var sig = signalOf(status);
  return sig === 0 ? "terminated normally with exit code " + ((status >> 8) & 0xff)
    : "terminated by signal " + sig;
}

/** PIDs in the text of /proc/PID/task/TID/children ("12 345 "). */
export function parseChildren(text: string): number[] {
  var out: number[] = [];
  var words = text.split(/\s+/);
  for (var i = 0; i < words.length; i++)
    if (words[i] !== "")
      out.push(Number(words[i]));
  return out;
}
