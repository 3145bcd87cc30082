// Resolve a path inside the image the way the container will see it after
// pivot: symlinks are followed, but absolute targets and ".." are taken
// relative to the image root, so image content can never point a mount
// outside the image (cf. openat2's RESOLVE_IN_ROOT). ch-run instead follows
// them on the host (doc/container.md §4.3), which breaks images whose
// /etc/resolv.conf is an absolute link (#1015) and lets them name host paths.

import { fail } from "../log/fail";
import * as path from "../path/path";
import { isDir, isLink, Sys } from "../sys/sys";

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

/** Resolve guest path g under root (a canonical host directory). */
export function resolveInRoot(sys: Sys, root: string, g: string): Resolved {
  var cur = root;
  var todo = components(g);
  var links = 0;
  while (todo.length > 0) {
    var c = todo.shift() as string;
    if (c === "..") {
      if (cur !== root)
        cur = path.dirname(cur);
      continue;
    }
    var next = path.join(cur, c);
    var st = sys.lstat_if_exists(next);
    if (st === null)
      return { existing: cur, missing: [c].concat(todo) };
    if (isLink(sys, st.mode)) {
      if (++links > MAX_LINKS)
        fail("too many levels of symbolic links: " + g);
      var target = sys.readlink(next);
      if (target.charAt(0) === "/")
        cur = root;
      todo = components(target).concat(todo);
      continue;
    }
    if (todo.length > 0 && !isDir(sys, st.mode))
      return { existing: next, missing: todo, notDir: true };
    cur = next;
  }
  return { existing: cur, missing: [] };
}
