// The container's filesystem tree: ch_core.c's mounts_setup(), bind_mount(),
// mkdirs() and mkdir_overmount(), applied through the Sys interface. What a
// launch runs catches with try/catch and fail() rather than attempt(): a
// closure costs Duktape a function object and an environment record (a
// bind ~10K instructions more).

import { attempt, describeFailure, fail, isErrno, isFailure, isSysError } from "../log/fail";
import * as log from "../log/log";
import * as path from "../path/path";
import { BindFlag, FileBind } from "../plan/plan";
import { C } from "../sys/constants";
import { isDir, modeOrNull, MountFlag, mountFlags, Sys, writeAll } from "../sys/sys";
import { faultPoint } from "./fault";
import { resolveInRoot } from "./resolve";
import { State } from "./state";

/** mount(2), logged at -vv with source, target and flags. */
export function mount(sys: Sys, src: string | null, dst: string, type: string | null,
                      flags: MountFlag[], data: string | null): void {
  if (log.enabled(log.LL_DEBUG))
    log.debug("mount: " + (src === null ? "none" : src) + " -> " + dst
              + (type ? " type " + type : "") + (flags.length ? " flags " + flags.join("|") : "")
              + (data ? " data " + data : ""));
  sys.mount(src, dst, type, mountFlags(flags), data);
}

var READ_ONLY_HINT = "the image is read-only: use -W (or -w) to create it, "
  + "or bind to a directory that exists in the image, such as /mnt/0";

/** Host path of guest path g, which must exist; null if it does not. */
function existingInRoot(st: State, g: string): string | null {
  var r = resolveInRoot(st.sys, st.newroot, g);
  return r.missing.length === 0 ? r.existing : null;
}

/** existingInRoot() for an optional destination: one that can't be
    resolved at all (a symlink loop, a directory we can't search) is as
    missing, as for ch-run, whose stat() of it fails. */
function optionalInRoot(st: State, g: string): string | null {
  try {
    return existingInRoot(st, g);
  } catch (e) {
    if (!isFailure(e) && !isSysError(e))
      throw e;
    log.verbose("skipping optional bind: " + (isFailure(e) ? describeFailure(e) : e.message));
    return null;
  }
}

/** The bind list's check: nothing is created below an earlier bind. */
export function checkNotUnderBind(st: State, p: string): void {
  for (var i = 0; i < st.bindPaths.length; i++)
    if (path.isWithin(st.bindPaths[i], p))
      fail("can't mkdir: " + p + " under existing bind-mount " + st.bindPaths[i], undefined,
           { hint: "bind to a destination outside " + st.bindPaths[i] });
}

/** mkdir -p of guest path g inside the new root; returns its host path.
    Directories that can't be written are made writable first with the
    overmount trick when a scratch directory exists (-W). */
export function mkdirs(st: State, g: string): string {
  var r = resolveInRoot(st.sys, st.newroot, g);
  var cur = r.existing;
  if (r.notDir || (r.missing.length === 0 && !isDir(st.sys.stat(cur).mode)))
    fail("can't mkdir: exists but not a directory: " + cur);
  for (var i = 0; i < r.missing.length; i++) {
    if (r.missing[i] === "..") {
      // cur was just created by us, so its parent is inside the image
      if (cur !== st.newroot)
        cur = path.dirname(cur);
      continue;
    }
    var next = path.join(cur, r.missing[i]);
    checkNotUnderBind(st, next);
    mkdirOne(st, next);
    cur = next;
  }
  return cur;
}

function mkdirOne(st: State, p: string): void {
  createInRoot(st, p, "mkdir", function () { st.sys.mkdir(p, 493); }); // 0755
  log.trace("mkdirs: created: " + p);
}

/** Create p with make(); if its parent is not writable and there is a
    scratch directory (-W), make the parent writable first with the
    overmount trick, for files as for directories. */
export function createInRoot(st: State, p: string, what: string, make: () => void): void {
  try {
    make();
  } catch (e) {
    if (isErrno(e, "EACCES", "EPERM") && st.scratch !== null) {
      overmountParent(st, p, st.scratch);
      attempt("can't " + what + " even after overmount: " + p, make);
      return;
    }
    fail("can't " + what + ": " + p, e, isErrno(e, "EROFS") ? { hint: READ_ONLY_HINT } : undefined);
  }
}

/** Make the parent of p writable: bind it aside into scratch, bind a fresh
    scratch directory over it, and recreate its entries as symlinks into the
    aside copy (ch_core.c's "symlink ranch"). */
export function overmountParent(st: State, p: string, scratch: string): void {
  var sys = st.sys;
  var parent = path.dirname(p);
  var over = path.join(scratch, String(sys.listdir(scratch).length + 1));
  var orig = path.join(over, ".orig");
  log.verbose("making writeable via symlink ranch: " + parent);
  sys.mkdir(over, 493);
  sys.mkdir(orig, 493);
  attempt("can't bind-mount: " + parent + " to " + orig, function () {
    mount(sys, parent, orig, null, ["MS_REC", "MS_BIND"], null);
  });
  attempt("can't bind-mount: " + over + " to " + parent, function () {
    mount(sys, over, parent, null, ["MS_REC", "MS_BIND"], null);
  });
  var entries = sys.listdir(orig);
  log.debug("existing entries: " + entries.length);
  for (var i = 0; i < entries.length; i++)
    sys.symlink(".orig/" + entries[i], path.join(parent, entries[i]));
}

/** ch_core.c's bind_mount(): bind host src at guest dst under the new root. */
export function bind(st: State, src: string, dst: string, flags: BindFlag[], extra: MountFlag[]): void {
  var sys = st.sys;
  var srcMode = modeOrNull(sys, src, true);
  if (srcMode === null) {
    if (flags.indexOf("src-optional") >= 0)
      return;
    fail("can't bind: source not found: " + src, undefined, { hint: "SRC is a host path that must exist" });
  }
  if (dst.indexOf("..") >= 0 && path.normalize(dst) === null) // only ".." climbs out
    fail("can't bind: " + path.normalize(st.newroot + "/" + dst) + " not subdirectory of " + st.newroot,
         undefined, { hint: "DST " + dst + " climbs out of the image with '..'" });
  var target = flags.indexOf("dst-optional") >= 0 ? optionalInRoot(st, dst) : existingInRoot(st, dst);
  if (target === null) {
    if (flags.indexOf("dst-optional") >= 0)
      return;
    if (flags.indexOf("dst-create") < 0)
      fail("can't bind: destination not found: " + path.join(st.newroot, dst));
    if (isDir(srcMode)) {
      target = mkdirs(st, dst);
    } else {
      // a file's mount point must be a file
      var parent = mkdirs(st, path.dirname(dst));
      target = path.join(parent, path.basename(dst));
      checkNotUnderBind(st, target);
      var file = target;
      createInRoot(st, file, "create bind destination", function () {
        sys.close(sys.open(file, C.O_CREAT | C.O_EXCL | C.O_WRONLY, 384)); // 0600
      });
    }
  }
  var t = target as string;
  if (!path.isWithin(st.newroot, t))
    fail("can't bind: " + t + " not subdirectory of " + st.newroot);
  if (st.newroot !== "/")
    st.bindPaths.push(t);
  try {
    mount(sys, src, t, null, ["MS_BIND", "MS_REC"].concat(extra) as MountFlag[], null);
  } catch (e) {
    fail("can't bind " + src + " at " + t, e);
  }
}

/** Bind new files, texts[i] at files[i].dst. They never have a
    name on the host, so nothing of them can be left there whatever happens
    to us: they are made on a tmpfs mounted for the moment over the image's
    /dev (which exists, and holds no bind destination), bound, and the
    tmpfs detached; the binds keep the files. */
export function bindFiles(st: State, files: FileBind[], texts: string[]): void {
  var sys = st.sys;
  var spot = existingInRoot(st, "/dev");
  if (spot === null)
    return fail("can't bind: destination not found: " + path.join(st.newroot, "/dev"));
  var at = spot;
  try {
    mount(sys, null, at, "tmpfs", ["MS_NOSUID", "MS_NODEV", "MS_NOEXEC"], null);
  } catch (e) {
    fail("can't mount tmpfs at " + at, e);
  }
  try {
    for (var i = 0; i < files.length; i++) {
      var file = path.join(at, files[i].tmpName);
      // 0600, as ch-run's mkstemp(3) makes it
      var fd = sys.open(file, C.O_CREAT | C.O_EXCL | C.O_WRONLY, 384);
      try {
        writeAll(sys, fd, texts[i]);
      } finally {
        sys.close(fd);
      }
      faultPoint(sys); // where ch-run's named file would be left
      bind(st, file, files[i].dst, [], []);
    }
  } finally {
    sys.umount2(at, C.MNT_DETACH);
  }
}

/** ST_* bits of statvfs(3) → MS_* flags for a remount that keeps them;
    a locked flag (nosuid, nodev, ...) must be kept or the remount fails. */
var STATVFS_FLAGS: Array<[number, MountFlag]> = [
  [C.ST_MANDLOCK, "MS_MANDLOCK"], [C.ST_NOATIME, "MS_NOATIME"], [C.ST_NODEV, "MS_NODEV"],
  [C.ST_NODIRATIME, "MS_NODIRATIME"], [C.ST_NOEXEC, "MS_NOEXEC"], [C.ST_NOSUID, "MS_NOSUID"],
  [C.ST_RDONLY, "MS_RDONLY"], [C.ST_RELATIME, "MS_RELATIME"], [C.ST_SYNCHRONOUS, "MS_SYNCHRONOUS"],
];

var ST_VALID = 0x20;

export function mountFlagsOf(sys: Sys, p: string): MountFlag[] {
  return flagsOf(sys.statvfs(p).flag, p);
}

/** statvfs(3) flag bits of p → MS_* flags. */
function flagsOf(bits: number, p: string): MountFlag[] {
  bits &= ~ST_VALID;
  var out: MountFlag[] = [];
  for (var i = 0; i < STATVFS_FLAGS.length; i++) {
    var bit = STATVFS_FLAGS[i][0];
    if (bits & bit) {
      out.push(STATVFS_FLAGS[i][1]);
      bits &= ~bit;
    }
  }
  if (bits !== 0)
    fail("unknown mount flags: 0x" + bits.toString(16) + " " + p);
  return out;
}

/** Remount the new root read-only unless it already is (e.g. SquashFUSE):
    statvfs(3) says so for a read-only mount as for a read-only file system,
    as access(2)'s EROFS would, without an error to make when it is not. */
export function remountReadOnly(st: State): void {
  var sys = st.sys;
  var bits = sys.statvfs(st.newroot).flag;
  if (bits & C.ST_RDONLY)
    return;
  var flags = flagsOf(bits, st.newroot).concat(["MS_REMOUNT", "MS_BIND", "MS_RDONLY"] as MountFlag[]);
  try {
    mount(sys, null, st.newroot, null, flags, null);
  } catch (e) {
    fail("can't remount image read-only: " + st.newroot, e);
  }
}

var WF_MNT = "/srv";

/** -W: a tmpfs at /srv holding the upper layer, an overlay at /srv/merged
    that becomes the new root. */
export function writeFake(st: State, size: string): void {
  var sys = st.sys;
  log.verbose("overlaying tmpfs for --write-fake (" + size + ")");
  attempt("cannot mount tmpfs for overlay", function () {
    mount(sys, null, WF_MNT, "tmpfs", [], "size=" + size);
  }, { hint: "size=" + size + "; --write-fake=SIZE takes a tmpfs size such as 12%, 512m or 4g; the host needs "
       + WF_MNT });
  var dirs = ["upper", "work", "merged", "mkdir_overmount"];
  for (var i = 0; i < dirs.length; i++)
    sys.mkdir(path.join(WF_MNT, dirs[i]), 448); // 0700
  attempt("can't stat new root; overmounted by tmpfs for -W?: " + st.newroot, function () { sys.stat(st.newroot); });
  var options = "lowerdir=" + st.newroot + ",upperdir=" + WF_MNT + "/upper,workdir=" + WF_MNT + "/work,"
    + "index=on,userxattr,volatile";
  var merged = WF_MNT + "/merged";
  attempt("can't overlay: " + merged + ", " + options, function () {
    mount(sys, "weirdal", merged, "overlay", [], options);
  }, { hint: "unprivileged overlayfs needs Linux 5.11 or later" });
  st.newroot = merged;
  st.scratch = WF_MNT + "/mkdir_overmount";
  log.verbose("newroot updated: " + st.newroot);
}

/** Bind the new root and its parent onto themselves so both are mount
    points of this namespace; pivot_root(2) fails with EINVAL otherwise. */
export function claimRoot(st: State): void {
  log.debug("claiming new root for this namespace");
  var roots = [st.newroot, path.dirname(st.newroot)];
  for (var i = 0; i < roots.length; i++) {
    var r = roots[i];
    try {
      mount(st.sys, r, r, null, ["MS_BIND", "MS_REC", "MS_PRIVATE"], null);
    } catch (e) {
      fail("can't bind " + r + " at " + r, e);
    }
  }
}

export function tmpfs(st: State, dst: string): void {
  var target = path.join(st.newroot, dst);
  attempt("can't mount tmpfs at " + target, function () { mount(st.sys, null, target, "tmpfs", [], null); });
}
