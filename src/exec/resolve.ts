// Resolve a path inside the image the way the container will see it after
// pivot: symlinks are followed, but absolute targets and ".." are taken
// relative to the image root, so image content can never point a mount
// outside the image (cf. openat2's RESOLVE_IN_ROOT). ch-run instead follows
// them on the host (doc/container.md §4.3), which breaks images whose
// /etc/resolv.conf is an absolute link (#1015) and lets them name host paths.

import { fail } from "../log/fail";
import * as path from "../path/path";
import { C } from "../sys/constants";
import { isDir, Sys } from "../sys/sys";

var MAX_LINKS = 40; // as the kernel's MAXSYMLINKS

export interface Resolved {
  /** Host path of the longest existing prefix (no symlinks, inside root). */
  existing: string;
  /** Components below it that do not exist yet. */
  missing: string[];
  /** True if existing is not a directory, so missing can't be created. */
  notDir?: boolean;
}

function components(p: string): string[] {
  var out: string[] = [];
  var parts = p.split("/");
  for (var i = 0; i < parts.length; i++)
    if (parts[i] !== "" && parts[i] !== ".")
      out.push(parts[i]);
  return out;
}

/** Resolve guest path g under root (a canonical host directory). The path
    is walked in place, a component at a time, rather than split: this runs
    for every bind of a launch, and Duktape's split() and shift() cost more
    than the lstat() each component needs. */
export function resolveInRoot(sys: Sys, root: string, g: string): Resolved {
  var cur = root;
  var rest = g; // still to walk from position i: components between slashes
  var i = 0;
  var links = 0;
  while (i < rest.length) {
    var end = rest.indexOf("/", i);
    if (end < 0)
      end = rest.length;
    var c = rest.slice(i, end);
    i = end + 1;
    if (c === "" || c === ".")
      continue;
    if (c === "..") {
      if (cur !== root)
        cur = path.dirname(cur);
      continue;
    }
    // dirname() of cur + "/" + c gives cur back, so ".." stays within root
    var next = (cur === "/" ? "" : cur) + "/" + c;
    var mode = sys.lstat_mode_if_exists(next);
    if (mode === null)
      return { existing: cur, missing: [c].concat(components(rest.slice(i))) };
    if ((mode & C.S_IFMT) === C.S_IFLNK) { // isLink(), without a call per component
      if (++links > MAX_LINKS)
        fail("too many levels of symbolic links: " + g);
      var target = sys.readlink(next);
      if (target.charAt(0) === "/")
        cur = root;
      rest = target + "/" + rest.slice(i);
      i = 0;
      continue;
    }
    if (i < rest.length && !isDir(mode)) {
      var left = components(rest.slice(i));
      if (left.length > 0)
        return { existing: next, missing: left, notDir: true };
    }
    cur = next;
  }
  return { existing: cur, missing: [] };
}
