// One layer (a tar archive, compressed or not: libarchive detects which)
// applied onto an image directory as the OCI image spec's "Applying
// Changesets" says, with ch-image's fixes (doc/import.md): whiteouts remove
// what lower layers put there, an opaque directory hides all of it; what
// an unprivileged user can't have is dropped and reported; every write is
// resolved beneath the root (beneath.ts), and an entry that would land
// outside it is refused.

import { attempt, fail } from "../log/fail";
import { readable } from "../log/readable";
import { C } from "../sys/constants";
import { isDir, Sys } from "../sys/sys";
import { components, openDir, removeAllBut, removeAt, statAt } from "./beneath";
import { Report } from "./report";

var WHITEOUT = ".wh.";
var OPAQUE = ".wh..wh..opq";
/** Read size: large enough that a big layer costs few calls. */
var BLOCK = 1 << 20;

/** Entries being written onto an image: what was read so far of one
    layer (the spec: a whiteout hides only what lower layers put there). */
export interface Writer {
  sys: Sys;
  /** The layer, for messages. */
  label: string;
  rootFd: number;
  report: Report;
  /** "/" + path of each entry this layer has written. */
  written: { [key: string]: true };
  /** Write the current entry's data to fd; skip it. */
  data: (fd: number) => void;
  skip: () => void;
}

/** Apply the layer in file onto rootDir; what is dropped goes to report.
    onProgress, if given, is called now and then with the bytes of file
    read so far; check, if given, before each entry (what it throws stops
    the work). */
export function applyLayer(sys: Sys, file: string, rootDir: string, report: Report,
                           onProgress?: (bytes: number) => void, check?: () => void): void {
  var fd = attempt("can't open layer: " + file, function () { return sys.open(file, C.O_RDONLY); });
  try {
    applyLayerFd(sys, fd, file, rootDir, report, onProgress, check);
  } finally {
    sys.close(fd);
  }
}

/** applyLayer() of the archive open as fd, called label in messages. */
export function applyLayerFd(sys: Sys, fd: number, label: string, rootDir: string, report: Report,
                             onProgress?: (bytes: number) => void, check?: () => void): void {
  var reader = sys.archive_read_new();
  var rootFd = -1;
  try {
    rootFd = openRoot(sys, rootDir);
    var w: Writer = {
      sys: sys, label: label, rootFd: rootFd, report: report, written: {},
      data: function (out) { sys.archive_read_data_into_fd(reader, out); },
      skip: function () { sys.archive_read_data_skip(reader); },
    };
    sys.archive_read_support_filter_all(reader);
    sys.archive_read_support_format_tar(reader);
    attempt("can't read layer: " + label, function () { sys.archive_read_open_fd(reader, fd, BLOCK); });
    for (var n = 1; ; n++) {
      if (check)
        check();
      var e = attempt("can't read layer: " + label, function () { return sys.archive_read_next_header(reader); });
      if (e === null)
        break;
      writeEntry(w, e);
      if (onProgress && n % 256 === 0)
        onProgress(sys.archive_filter_bytes(reader));
    }
    if (onProgress)
      onProgress(sys.archive_filter_bytes(reader));
  } finally {
    if (rootFd >= 0)
      sys.close(rootFd);
    sys.archive_read_free(reader);
  }
}

export function openRoot(sys: Sys, rootDir: string): number {
  return attempt("can't open image directory: " + rootDir, function () {
    return sys.open(rootDir, C.O_PATH | C.O_DIRECTORY);
  });
}

/** Write entry e onto the image, or refuse it. */
export function writeEntry(l: Writer, e: ArchiveEntry): void {
  var sys = l.sys;
  var raw = e.path === null ? "" : e.path;
  var what = "layer " + l.label + ": entry " + raw;
  var comps = components(raw);
  if (comps === null)
    return fail(what + ": refused: its path climbs out of the image with \"..\"");
  if (comps.length === 0 || (comps[0] === "dev" && comps.length > 1)) {
    // The root itself keeps its mode; ch-run mounts the host's /dev over
    // the image's, so what is below it is never seen.
    l.skip();
    return;
  }
  var name = comps[comps.length - 1];
  var parent = comps.slice(0, -1);
  var path = comps.join("/");
  if (name.slice(0, WHITEOUT.length) === WHITEOUT)
    return whiteout(l, parent, name, what);
  var type = e.type;
  if (e.hardlink === null && type !== C.S_IFREG && type !== C.S_IFDIR && type !== C.S_IFLNK) {
    l.report.devices.push(path);
    l.skip();
    return;
  }
  if (e.uid !== 0 || e.gid !== 0)
    l.report.owners.push(path);
  var perm = e.perm;
  if (perm & (C.S_ISUID | C.S_ISGID)) {
    l.report.setid.push(path);
    perm &= ~(C.S_ISUID | C.S_ISGID);
  }
  var dirFd = openDir(sys, l.rootFd, parent, true, what) as number;
  try {
    attempt("can't import: " + readable(what), function () {
      place(l, e, dirFd, name, comps as string[], perm, what);
    });
  } finally {
    sys.close(dirFd);
  }
  l.written["/" + path] = true;
}

/** Write entry e as name in dirFd, replacing what a lower layer had there
    (but a directory stays, keeping what is in it). */
function place(l: Writer, e: ArchiveEntry, dirFd: number, name: string, comps: string[], perm: number,
               what: string): void {
  var sys = l.sys;
  var existing = statAt(sys, dirFd, name);
  if (e.hardlink === null && e.type === C.S_IFDIR) {
    if (existing !== null && !isDir(existing.mode)) {
      removeAt(sys, dirFd, name, existing);
      existing = null;
    }
    if (existing === null)
      sys.mkdirat(dirFd, name, 0o700);
    // u+rwx: the user must be able to write into it now and delete it later.
    sys.fchmodat(dirFd, name, perm | 0o700, 0);
    return;
  }
  if (e.hardlink !== null) {
    hardLink(l, e.hardlink, dirFd, name, comps, existing, what);
    return;
  }
  if (existing !== null)
    removeAt(sys, dirFd, name, existing);
  if (e.type === C.S_IFLNK) {
    var target = e.symlink === null ? "" : e.symlink;
    if (target === "")
      fail(what + ": refused: a symlink with an empty target");
    var fixed = relink(comps, target);
    if (fixed !== target)
      l.report.relinked.push(comps.join("/") + " -> " + target + ": now -> " + fixed);
    sys.symlinkat(fixed, dirFd, name);
    return;
  }
  // O_EXCL|O_NOFOLLOW: a fresh file, never one a link points to.
  var fd = sys.openat(dirFd, name, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
  try {
    l.data(fd);
    sys.fchmod(fd, perm | 0o600); // u+rw, as ch-image: the user can read and replace it
  } finally {
    sys.close(fd);
  }
  // Kept so that, e.g., Python's .pyc files still match their sources.
  sys.utimensat(dirFd, name, e.mtime, e.mtime, C.AT_SYMLINK_NOFOLLOW);
}

/** A hard link to target, a path in the image (this layer's or a lower
    one's), resolved beneath the root as any entry. */
function hardLink(l: Writer, target: string, dirFd: number, name: string, comps: string[],
                  existing: NativeStat | null, what: string): void {
  var sys = l.sys;
  var t = components(target);
  if (t === null || t.length === 0)
    return fail(what + ": refused: a hard link to " + target + ", outside the image");
  if (t.join("/") === comps.join("/"))
    return;
  var tDirFd = openDir(sys, l.rootFd, t.slice(0, -1), false, what + " (hard link to " + target + ")");
  if (tDirFd === null)
    return fail(what + ": hard link to " + target + ", which is not in the image");
  try {
    var tName = t[t.length - 1];
    var st = statAt(sys, tDirFd, tName);
    if (st === null)
      return fail(what + ": hard link to " + target + ", which is not in the image");
    if (existing !== null && existing.ino === st.ino && existing.dev === st.dev)
      return;
    if (existing !== null)
      removeAt(sys, dirFd, name, existing);
    sys.linkat(tDirFd, tName, dirFd, name, 0); // flags 0: a symlink is linked, not followed
  } finally {
    sys.close(tDirFd);
  }
  l.skip();
}

/** A symlink's target as written into the image: an absolute one made
    relative to the link's directory (as ch-image does, so it means the same
    in and outside the container), and ".." that would climb above the root
    dropped (inside the container the kernel stops there anyway). */
export function relink(comps: string[], target: string): string {
  var abs = target.charAt(0) === "/";
  var depth = abs ? 0 : comps.length - 1;
  var climbs = false;
  var kept: string[] = [];
  var parts = target.split("/");
  for (var i = 0; i < parts.length; i++) {
    if (parts[i] === "" || parts[i] === ".")
      continue;
    if (parts[i] === "..") {
      if (depth === 0) {
        climbs = true;
        continue;
      }
      depth--;
    } else {
      depth++;
    }
    kept.push(parts[i]);
  }
  if (!abs && !climbs)
    return target;
  var up: string[] = [];
  for (var j = 0; abs && j < comps.length - 1; j++)
    up.push("..");
  var s = up.concat(kept).join("/");
  return s === "" ? "." : s;
}

/** A whiteout: .wh.NAME hides NAME, .wh..wh..opq everything in its
    directory, from lower layers (not what this layer wrote); other
    .wh..wh. names are AUFS's bookkeeping, never laid down. */
function whiteout(l: Writer, parent: string[], name: string, what: string): void {
  var sys = l.sys;
  l.skip();
  if (name !== OPAQUE && name.slice(0, 2 * WHITEOUT.length) === WHITEOUT + WHITEOUT)
    return;
  var dirFd = openDir(sys, l.rootFd, parent, false, what);
  if (dirFd === null)
    return;
  var prefix = parent.length ? parent.join("/") + "/" : "";
  var written = l.written;
  try {
    attempt("can't import: " + readable(what), function () {
      if (name === OPAQUE) {
        removeAllBut(sys, dirFd as number, prefix, function (p) { return written.hasOwnProperty("/" + p); });
        return;
      }
      var hidden = name.slice(WHITEOUT.length);
      if (hidden === "" || hidden === "." || written.hasOwnProperty("/" + prefix + hidden))
        return;
      var st = statAt(sys, dirFd as number, hidden);
      if (st !== null)
        removeAt(sys, dirFd as number, hidden, st);
    });
  } finally {
    sys.close(dirFd);
  }
}
