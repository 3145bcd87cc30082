// What IMAGE names, in ch-run's order (doc/images.md §3.1): a name in the
// storage directory, else a path to a directory or to a SquashFS file.

import { attempt, fail, isErrno } from "../log/fail";
import * as log from "../log/log";
import * as path from "../path/path";
import { C } from "../sys/constants";
import { isDir, Sys } from "../sys/sys";
import { untrustedOnPath } from "./trust";

export type ImageKind = "directory" | "name" | "squash";

export interface Image {
  kind: ImageKind;
  /** IMAGE as given. */
  ref: string;
  /** Directory root (canonical) or SquashFS file. */
  path: string;
}

/** STORAGE/img/NAME with / → % and : → + (ch-image's ref_to_pathstr); by
    split and join, which cost Duktape a fraction of a regexp's replace. */
export function nameToPath(name: string, storage: string): string {
  return path.join(storage, "img/" + name.split("/").join("%").split(":").join("+"));
}

/** " (NAME)" for a directory STORAGE/img/NAME/..., else "". */
function nameHint(storage: string, root: string): string {
  var rel = root.slice(storage.length + 1).split("/");
  return rel[0] === "img" && rel.length > 1 ? " (" + rel[1].replace(/%/g, "/").replace(/\+/g, ":") + ")" : "";
}

var SQUASH_MAGIC = "hsqs";

function hex(s: string): string {
  var out = "";
  for (var i = 0; i < s.length; i++) {
    var h = (s.charCodeAt(i) & 0xff).toString(16);
    out += (h.length < 2 ? "0" : "") + h + (i === 1 ? " " : "");
  }
  return out;
}

/** What a non-directory, non-regular file is, for the hint. */
function fileType(mode: number): string {
  var t = mode & C.S_IFMT;
  return t === C.S_IFIFO ? "a FIFO" : t === C.S_IFCHR ? "a character device" : t === C.S_IFBLK ? "a block device"
    : t === C.S_IFSOCK ? "a socket" : "not a regular file";
}

var KINDS_HINT = "IMAGE must be a directory, a SquashFS file or an image name";

function notAnImage(ref: string, mode: number): never {
  return fail("unknown image type: " + ref, undefined, { hint: "it is " + fileType(mode) + "; " + KINDS_HINT });
}

/** The first 4 bytes of regular file ref. Opened non-blocking and checked
    again through the descriptor: a FIFO put in its place after the stat
    must not block the open (or the read) for ever. */
function readMagic(sys: Sys, ref: string): string {
  var fd = attempt("can't open: " + ref, function () { return sys.open(ref, C.O_RDONLY | C.O_NONBLOCK | C.O_NOCTTY); });
  try {
    var mode = sys.fstat(fd).mode;
    if ((mode & C.S_IFMT) !== C.S_IFREG)
      notAnImage(ref, mode);
    return attempt("can't read: " + ref, function () { return sys.read(fd, 4); });
  } finally {
    sys.close(fd);
  }
}

/** Classify ref; fail with ch-run's messages if it is none of the kinds. */
export function imageKind(sys: Sys, ref: string, storage: string): ImageKind {
  var byName = nameToPath(ref, storage);
  var unreadable: unknown = null;
  try {
    if (sys.lstat_if_exists(byName) !== null)
      return "name";
  } catch (e) {
    if (!isErrno(e, "ENOENT", "ENOTDIR", "EACCES", "ENAMETOOLONG"))
      throw e;
    if (isErrno(e, "EACCES"))
      unreadable = e;
  }
  var images = path.join(storage, "img");
  var st = attempt("can't stat: " + ref, function () {
    try {
      return sys.stat(ref);
    } catch (e) {
      // Not a path either: if storage could not be searched, that is why.
      if (unreadable !== null)
        fail("can't read storage directory: " + images, unreadable, {
          hint: ref + " is neither a path nor readable as an image name; fix the directory's permissions, "
            + "or choose another with -s/--storage or $CH_IMAGE_STORAGE",
        });
      throw e;
    }
  }, { hint: "not a path, nor an image name in " + images + " (storage: -s/--storage, $CH_IMAGE_STORAGE)" });
  if (isDir(st.mode))
    return "directory";
  if ((st.mode & C.S_IFMT) !== C.S_IFREG)
    notAnImage(ref, st.mode);
  var magic = readMagic(sys, ref);
  log.verbose("image file magic expected: 6873 7173; actual: " + hex(magic));
  if (magic === SQUASH_MAGIC)
    return "squash";
  return fail("unknown image type: " + ref, undefined, { hint: KINDS_HINT });
}

function canonical(sys: Sys, p: string): string {
  return attempt("can't canonicalize: " + p, function () { return sys.realpath(p); });
}

export interface ImageOptions {
  /** Canonical where it exists (main.ts realpaths -s once), else as
      given: nothing exists under it then. */
  storage: string;
  unsafe: boolean;
  writable: boolean;
}

/** An image by name runs what its directories hold: say so if another
    user could change them (image/trust.ts). */
function warnIfUntrusted(sys: Sys, ref: string, root: string): void {
  var bad = untrustedOnPath(sys, root, sys.getresuid()[1], 0);
  if (bad !== null)
    log.warning("image " + ref + " is in a directory another user can change: " + bad.dir + " is " + bad.why
                + " (hint: they could change what you run; use a storage directory of your own, -s/--storage)");
}

/** Resolve IMAGE to an Image, applying ch-run's storage rules. */
export function resolveImage(sys: Sys, ref: string, o: ImageOptions): Image {
  var kind = imageKind(sys, ref, o.storage);
  if (kind === "name") {
    if (o.writable && !o.unsafe)
      fail("--write invalid when running by name", undefined, { hint: "drop -w, or use -W for a throw-away writable layer" });
    // canonical: pivoting needs the real directory, not a symlink to it
    var named = canonical(sys, nameToPath(ref, o.storage));
    warnIfUntrusted(sys, ref, named);
    return { kind: kind, ref: ref, path: named };
  }
  if (kind === "squash")
    return { kind: kind, ref: ref, path: canonical(sys, ref) };
  var root = canonical(sys, ref);
  if (!o.unsafe && path.isWithin(o.storage, root))
    fail("can't run directory images from storage", undefined,
         { hint: "run by name" + nameHint(o.storage, root) + ", or pass --unsafe; " + root + " is in the storage directory" });
  return { kind: kind, ref: ref, path: root };
}
