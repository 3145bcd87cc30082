// ch-image's storage directory (doc/images.md §3.2), as skiff's image
// commands keep it: images are directories STORAGE/img/NAME, which `skiff
// run NAME`, `ch-run NAME` and `ch-image list` all see. An image is made
// in a temporary directory inside STORAGE (same file system) and renamed
// into place whole, so a failure or a kill never leaves half an image
// under its name.

import { attempt, fail, isErrno } from "../log/fail";
import * as log from "../log/log";
import { nameToPath } from "../image/image";
import * as path from "../path/path";
import { C } from "../sys/constants";
import { isDir, statOrNull, Sys, writeAll } from "../sys/sys";
import { letOwnerWrite, removeTree, removeTreeIfAny } from "./tree";

/** The layout version ch-image 0.31 writes and accepts (its
    filesystem.py's STORAGE_VERSION). */
var STORAGE_VERSION = 5;

/** What ch-image creates in a new storage directory besides img/. */
var CH_IMAGE_DIRS = ["bucache", "bularge", "dlcache", "ulcache"];

/** Where images under construction live: ch-image's own temporary image
    directory (which it clears when it finds one left over). */
var TMP = "imgtmp";

export function imagesDir(storage: string): string {
  return path.join(storage, "img");
}

/** An image's name from its directory's name (ch-image's mapping back). */
export function entryToName(entry: string): string {
  return entry.replace(/%/g, "/").replace(/\+/g, ":");
}

/** Make STORAGE a ch-image storage directory if it is not one yet (as
    ch-image's Storage.init() does, so ch-image accepts it afterwards). */
export function initStorage(sys: Sys, storage: string): void {
  var img = imagesDir(storage);
  var st = statOrNull(sys, img, true);
  if (st !== null && isDir(st.mode))
    return;
  var top = statOrNull(sys, storage, true);
  if (top !== null && (!isDir(top.mode) || sys.listdir(storage).length > 0))
    fail("storage directory seems invalid: " + storage, undefined, {
      hint: "it is not empty and has no img/ directory; choose another with -s/--storage or $CH_IMAGE_STORAGE",
    });
  log.info("initializing storage directory: v" + STORAGE_VERSION + " " + storage);
  attempt("can't create storage directory: " + storage, function () {
    if (top === null)
      sys.mkdir(storage, 0o777);
    var dirs = CH_IMAGE_DIRS.concat(["img"]);
    for (var i = 0; i < dirs.length; i++)
      sys.mkdir(path.join(storage, dirs[i]), 0o777);
    var fd = sys.open(path.join(storage, "version"), C.O_WRONLY | C.O_CREAT
                      | C.O_EXCL, 0o666);
    try {
      writeAll(sys, fd, STORAGE_VERSION + "\n");
    } finally {
      sys.close(fd);
    }
  });
}

var sequence = 0;

/** A new, empty directory inside STORAGE to make image NAME in; it goes
    to installImage() or discard(). Directories that earlier runs left
    (killed before they could clean up) are removed first. */
export function newImageDir(sys: Sys, storage: string, name: string): string {
  initStorage(sys, storage);
  var tmp = path.join(storage, TMP);
  try {
    sys.mkdir(tmp, 0o777);
  } catch (e) {
    if (!isErrno(e, "EEXIST"))
      throw e;
    removeAbandoned(sys, tmp);
  }
  var dir = path.join(tmp, sys.getpid() + "." + sequence++);
  sys.mkdir(dir, 0o755); // the image's root: as ch-image makes it
  log.verbose("making " + name + " in " + dir);
  return dir;
}

function alive(sys: Sys, pid: number): boolean {
  try {
    sys.kill(pid, 0);
    return true;
  } catch (e) {
    return !isErrno(e, "ESRCH");
  }
}

/** Remove the directories in tmp whose process (PID.N) has gone. */
function removeAbandoned(sys: Sys, tmp: string): void {
  var names = sys.listdir(tmp);
  for (var i = 0; i < names.length; i++) {
    var pid = /^([1-9][0-9]*)\./.exec(names[i]);
    if (pid !== null && !alive(sys, +pid[1])) {
      log.verbose("removing what an earlier run left: " + path.join(tmp, names[i]));
      removeTreeIfAny(sys, path.join(tmp, names[i]));
    }
  }
}

/** Remove TMP once nothing is left in it, as ch-image wants its storage. */
function tidy(sys: Sys, tmpDir: string): void {
  try {
    sys.rmdir(path.dirname(tmpDir));
  } catch (e) {
    if (!isErrno(e, "ENOTEMPTY", "EEXIST", "ENOENT"))
      throw e;
  }
}

/** Make the complete image in tmpDir (from newImageDir) image NAME,
    replacing any image of that name. */
export function installImage(sys: Sys, tmpDir: string, storage: string, name: string): void {
  var target = nameToPath(name, storage);
  var old: string | null = null;
  if (statOrNull(sys, target, false) !== null) {
    old = tmpDir + ".old";
    letOwnerWrite(sys, target);
    sys.rename(target, old);
  }
  sys.rename(tmpDir, target);
  if (old !== null)
    removeTree(sys, old);
  tidy(sys, tmpDir);
}

/** Give up on the image being made in tmpDir. */
export function discard(sys: Sys, tmpDir: string): void {
  removeTreeIfAny(sys, tmpDir);
  tidy(sys, tmpDir);
}

/** Remove image NAME, which must exist: renamed out of sight first, so a
    removal cut short leaves no half image under the name. */
export function removeImage(sys: Sys, storage: string, name: string): void {
  var dir = newImageDir(sys, storage, name);
  sys.rmdir(dir);
  letOwnerWrite(sys, nameToPath(name, storage));
  sys.rename(nameToPath(name, storage), dir);
  removeTree(sys, dir);
  tidy(sys, dir);
}
