// CDI's steps and hooks (plan/plan.ts), applied through Sys: ch_core.c's
// bind_merge() (one bind per host directory, a symlink per file), device
// nodes and create-symlinks links (the ld cache: src/cdi/ldcache.ts).
// Reached through the cdi unit, so a launch without CDI loads none of it.

import { attempt, fail, isSysError, SysError } from "../log/fail";
import * as log from "../log/log";
import * as path from "../path/path";
import type { CdiLink, MergeLink, Step } from "../plan/plan";
import { C } from "../sys/constants";
import { MountFlag, statOrNull } from "../sys/sys";
import { checkNotUnderBind, createInRoot, mkdirs, mount, mountFlagsOf, overmountParent } from "./mounts";
import { resolveInRoot } from "./resolve";
import { State } from "./state";

type StepOf<K extends Step["op"]> = Extract<Step, { op: K }>;

/** Bind host directory s.src at its guest directory under the CDI scratch
    directory, read-only etc. as the spec's options say (a bind ignores
    those flags: they take a remount, which must keep the locked ones). */
export function mergeDir(st: State, s: StepOf<"merge-dir">): void {
  var sys = st.sys;
  var target = mkdirs(st, s.dst);
  attempt("can't bind " + s.src + " at " + target, function () {
    mount(sys, s.src, target, null, ["MS_BIND", "MS_REC"], null);
  });
  st.bindPaths.push(target);
  if (s.mountFlags.length === 0)
    return;
  var flags = mountFlagsOf(sys, target);
  for (var i = 0; i < s.mountFlags.length; i++)
    if (flags.indexOf(s.mountFlags[i]) < 0)
      flags.push(s.mountFlags[i]);
  attempt("can't remount " + target + " " + s.mountFlags.join("|"), function () {
    mount(sys, null, target, null, flags.concat(["MS_REMOUNT", "MS_BIND"] as MountFlag[]), null);
  });
}

/** Guest directories placeFor() has made or found, by container: a spec
    puts dozens of files in one, and finding it costs a stat per
    component. checked: how many of the container's binds the directory
    was found outside of, so that a bind made since is still seen; binds:
    those of them that are files in it (few, usually none). */
var placed: { st: State | null; root: string; dirs: { [guest: string]: PlacedDir } } =
  { st: null, root: "", dirs: {} };

interface PlacedDir {
  host: string;
  checked: number;
  binds: string[];
}

/** The guest directory of the link before in a list of links, and its
    host path: the next link in it needs no look-up and no check against
    binds (making links makes none). */
interface LastDir {
  dir: string;
  host: string;
  binds: string[];
}

/** Host path of guest path g's parent, created if missing, and g's own
    host path there (g itself not followed: it is what gets replaced). */
function placeFor(st: State, g: string, last: LastDir): string {
  // path.split() and path.join() without their calls (two of the few
  // things done per file) for the usual guest path: in a directory, no
  // trailing "/"
  var slash = g.lastIndexOf("/");
  var usual = slash > 0 && slash < g.length - 1;
  // in the directory of the link before (a prefix test): no string made for it
  var same = usual && slash === last.dir.length && g.lastIndexOf(last.dir, 0) === 0;
  var dir = same ? last.dir : usual ? g.slice(0, slash) : path.dirname(g);
  if (dir !== last.dir) {
    if (placed.st !== st || placed.root !== st.newroot)
      placed = { st: st, root: st.newroot, dirs: {} };
    var d = placed.dirs[dir];
    if (d === undefined)
      d = placed.dirs[dir] = { host: mkdirs(st, dir), checked: 0, binds: [] };
    // the bind list's check (checkNotUnderBind) per directory, not per
    // file: a file is under a bind only if its directory is, or it is the
    // bind, one of the directory's binds (a search of the few, not of all)
    for (; d.checked < st.bindPaths.length; d.checked++) {
      var b = st.bindPaths[d.checked];
      if (path.isWithin(b, d.host))
        checkNotUnderBind(st, usual ? d.host + g.slice(slash) : path.join(d.host, path.basename(g)));
      if (b.lastIndexOf("/") === d.host.length && b.lastIndexOf(d.host, 0) === 0) // a file in it
        d.binds.push(b);
    }
    last.dir = dir;
    last.host = d.host;
    last.binds = d.binds;
  }
  var file = usual ? last.host + g.slice(slash) : path.join(last.host, path.basename(g));
  if (last.binds.length !== 0 && last.binds.indexOf(file) >= 0)
    checkNotUnderBind(st, file);
  return file;
}

/** symlink(2), tried before any stat (most files are new, and a stat that
    fails costs more): null if made, else its error. */
function trySymlink(st: State, target: string, file: string): SysError | null {
  try {
    st.sys.symlink(target, file);
    return null;
  } catch (e) {
    if (!isSysError(e))
      throw e;
    return e;
  }
}

/** symlink(2) of a new file: false if something is there already. */
function newSymlink(st: State, target: string, file: string): boolean {
  var e = trySymlink(st, target, file);
  if (e !== null && e.code !== "EEXIST")
    throw e;
  return e === null;
}

/** Each link's guest dst becomes a symlink to its target; what was there
    is renamed dst.orig, as ch_core.c's bind_merge() does. */
export function mergeLinks(st: State, links: MergeLink[]): void {
  var debug = log.enabled(log.LL_DEBUG);
  var last: LastDir = { dir: "", host: "", binds: [] };
  for (var i = 0; i < links.length; i++) {
    var l = links[i];
    var file = placeFor(st, l.dst, last);
    if (debug)
      log.debug("symlink instead of bind: " + file + " -> " + l.target);
    if (trySymlink(st, l.target, file) !== null) // the usual case first, without createInRoot()'s closure
      replaceWithLink(st, l.target, file);
  }
}

/** mergeLinks()'s slow path: file renamed file.orig if it exists, and made
    a symlink to target (its directory made writable if it must be). */
function replaceWithLink(st: State, target: string, file: string): void {
  createInRoot(st, file, "symlink", function () {
    if (!newSymlink(st, target, file)) {
      st.sys.rename(file, file + ".orig");
      st.sys.symlink(target, file);
    }
  });
}

/** Bind host device node s.src at guest s.dst. A dst missing from the
    host's /dev (bound whole) is made in a symlink ranch over its
    directory, never in the host's /dev itself. */
export function bindDevice(st: State, s: StepOf<"device">): void {
  var sys = st.sys;
  var r = resolveInRoot(sys, st.newroot, s.dst);
  var target = r.existing;
  if (r.missing.length > 1 || r.notDir)
    fail("CDI: can't bind device " + s.src + " at " + s.dst + ": " + path.dirname(s.dst) + " is not a directory "
         + "in the container", undefined, { hint: "the spec's path must be in an existing directory (" + s.why + ")" });
  if (r.missing.length === 1) {
    target = path.join(r.existing, r.missing[0]);
    var underBind = st.bindPaths.some(function (b) { return path.isWithin(b, r.existing); });
    if (underBind && st.scratch !== null && statOrNull(sys, path.join(r.existing, ".orig"), false) === null)
      overmountParent(st, target, st.scratch);
    else
      checkNotUnderBind(st, target);
    var file = target;
    createInRoot(st, file, "create device mount point", function () {
      sys.close(sys.open(file, C.O_CREAT | C.O_EXCL | C.O_WRONLY, 384)); // 0600
    });
  }
  attempt("can't bind " + s.src + " at " + target, function () {
    mount(sys, s.src, target, null, ["MS_BIND"], null);
  });
}

/** create-symlinks: each link made (in the -W layer) unless something is
    there already. Runs before pivot, as ranching a directory needs the
    host side of the scratch directory. */
export function makeLinks(st: State, links: CdiLink[]): void {
  var verbose = log.enabled(log.LL_VERBOSE);
  var last: LastDir = { dir: "", host: "", binds: [] };
  for (var i = 0; i < links.length; i++) {
    var l = links[i];
    var file = placeFor(st, l.link, last);
    var made = trySymlink(st, l.target, file) === null;
    if (!made)
      made = makeLink(st, l, file);
    if (verbose)
      log.verbose("CDI: link " + l.link + (made ? " -> " + l.target : " exists; left as it is"));
  }
}

/** makeLinks()'s slow path: false if something is there already. */
function makeLink(st: State, l: CdiLink, file: string): boolean {
  var made = true;
  createInRoot(st, file, "symlink", function () { made = newSymlink(st, l.target, file); });
  return made;
}
