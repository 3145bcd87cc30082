// CDI's steps and hooks (plan/plan.ts), applied through Sys: ch_core.c's
// bind_merge() (one bind per host directory, a symlink per file), device
// nodes, create-symlinks links, and the image's ldconfig. Reached through
// the cdi unit, so a launch without CDI loads none of it.

import { attempt, fail, isErrno } from "../log/fail";
import { argvToString } from "../log/argv";
import * as log from "../log/log";
import * as path from "../path/path";
import type { CdiLink, Step } from "../plan/plan";
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
    component. Nothing can be bound over one since unnoticed, as the
    check that nothing is made under a bind is still made per file. */
var placed: { st: State | null; root: string; hostDirs: { [guest: string]: string } } =
  { st: null, root: "", hostDirs: {} };

/** Host path of guest path g's parent, created if missing, and g's own
    host path there (g itself not followed: it is what gets replaced). */
function placeFor(st: State, g: string): string {
  if (placed.st !== st || placed.root !== st.newroot)
    placed = { st: st, root: st.newroot, hostDirs: {} };
  var dir = path.dirname(g);
  var host = placed.hostDirs[dir];
  if (host === undefined)
    host = placed.hostDirs[dir] = mkdirs(st, dir);
  var file = path.join(host, path.basename(g));
  checkNotUnderBind(st, file);
  return file;
}

/** Guest s.dst becomes a symlink to s.target; what was there is renamed
    s.dst.orig, as ch_core.c's bind_merge() does. */
export function mergeLink(st: State, s: StepOf<"merge-link">): void {
  var sys = st.sys;
  var file = placeFor(st, s.dst);
  log.debug("symlink instead of bind: " + file + " -> " + s.target);
  createInRoot(st, file, "symlink", function () {
    // tried first: most destinations are new, and a failed stat costs more
    try {
      sys.symlink(s.target, file);
    } catch (e) {
      if (!isErrno(e, "EEXIST"))
        throw e;
      sys.rename(file, file + ".orig");
      sys.symlink(s.target, file);
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
      sys.close(sys.open(file, sys.constants.O_CREAT | sys.constants.O_EXCL | sys.constants.O_WRONLY, 384)); // 0600
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
  var sys = st.sys;
  for (var i = 0; i < links.length; i++) {
    var l = links[i];
    var file = placeFor(st, l.link);
    var made = true;
    createInRoot(st, file, "symlink", function () {
      try {
        sys.symlink(l.target, file);
      } catch (e) {
        if (!isErrno(e, "EEXIST"))
          throw e;
        made = false;
      }
    });
    log.verbose("CDI: link " + l.link + (made ? " -> " + l.target : " exists; left as it is"));
  }
}

var LDCONFIGS = ["/sbin/ldconfig", "/usr/sbin/ldconfig"];

/** update-ldcache, inside the container after pivot: the image's own
    ldconfig writes a cache of the image's libraries and folders' to cache
    (in the -W layer, whatever /etc's owner), bound at /etc/ld.so.cache. */
export function updateLdCache(st: State, folders: string[], cache: string): void {
  var sys = st.sys;
  var ldconfig: string | null = null;
  for (var i = 0; i < LDCONFIGS.length && ldconfig === null; i++)
    if (statOrNull(sys, LDCONFIGS[i], true) !== null)
      ldconfig = LDCONFIGS[i];
  if (ldconfig === null)
    return fail("CDI: the image has no ldconfig (" + LDCONFIGS.join(" or ") + "), which update-ldcache needs",
                undefined, { hint: "install it in the image (Debian and Ubuntu: libc-bin; RHEL: glibc)" });
  var argv = ["ldconfig", "-C", cache].concat(folders);
  log.verbose("CDI: running " + ldconfig + ": " + argvToString(argv));
  var exe = ldconfig;
  var pid = attempt("can't run " + exe, function () { return sys.posix_spawn(exe, argv, [], [], {}); });
  var status = sys.waitpid(pid)[1];
  if (status !== 0)
    fail("CDI: " + exe + " failed (" + ((status & 0x7f) === 0 ? "exit " + ((status >> 8) & 0xff)
                                                               : "signal " + (status & 0x7f)) + ")",
         undefined, { hint: "its messages above say why; the image's libc may be too old for these libraries" });
  if (statOrNull(sys, "/etc/ld.so.cache", false) === null)
    attempt("can't create /etc/ld.so.cache", function () {
      sys.close(sys.open("/etc/ld.so.cache", sys.constants.O_CREAT | sys.constants.O_WRONLY, 420)); // 0644
    });
  attempt("can't bind " + cache + " at /etc/ld.so.cache", function () {
    mount(sys, cache, "/etc/ld.so.cache", null, ["MS_BIND"], null);
  });
}
