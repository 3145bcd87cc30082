// What applying layers dropped because an unprivileged user can't have it
// (doc/import.md, "What is dropped"): device nodes and FIFOs, owners other
// than root, setuid and setgid bits. One summary line; each path at -v.

import * as log from "../log/log";

export interface Report {
  /** Device nodes, FIFOs and sockets, not created. */
  devices: string[];
  /** Entries owned by a user or group other than root: the files are yours. */
  owners: string[];
  /** Files whose setuid or setgid bit was cleared. */
  setid: string[];
  /** Absolute symlinks made relative, and links climbing above the root cut
      to it, so they mean inside the image what they meant, and outside it
      nothing else. */
  relinked: string[];
}

export function newReport(): Report {
  return { devices: [], owners: [], setid: [], relinked: [] };
}

function count(n: number, one: string, many: string): string {
  return n + " " + (n === 1 ? one : many);
}

/** The summary line, or null if nothing was dropped. */
export function summary(r: Report): string | null {
  var parts: string[] = [];
  if (r.devices.length)
    parts.push(count(r.devices.length, "device node or FIFO", "device nodes or FIFOs"));
  if (r.setid.length)
    parts.push("the setuid/setgid bits of " + count(r.setid.length, "file", "files"));
  if (r.owners.length)
    parts.push("the owners of " + count(r.owners.length, "file", "files") + " not owned by root");
  return parts.length ? "dropped what an unprivileged user can't have: " + parts.join(", ")
    + (log.enabled(log.LL_VERBOSE) ? "" : " (-v lists them)") : null;
}

/** Log the summary, and each path at -v. */
export function logReport(r: Report): void {
  var each = function (what: string, paths: string[]) {
    for (var i = 0; i < paths.length; i++)
      log.verbose(what + ": " + paths[i]);
  };
  each("dropped device node or FIFO", r.devices);
  each("dropped owner", r.owners);
  each("dropped setuid/setgid bit", r.setid);
  each("made link relative to the image", r.relinked);
  var s = summary(r);
  if (s !== null)
    log.info(s);
}
