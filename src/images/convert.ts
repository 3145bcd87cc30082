// `skiff convert SRC DST` (doc/commands.md): an image from one format to
// another, as Charliecloud's ch-convert does, among an image in storage
// (ch-image), a directory, a SquashFS file and a tar archive. Every
// conversion goes through a directory; what an unprivileged user can't have
// (device nodes, other owners, setuid bits) is dropped on the way, as
// import drops it; the output appears under its name only once complete,
// and a Ctrl-C, SIGTERM or SIGHUP stops the work and removes it (as pull's
// and import's do).

import { ensureMountPoints, STANDARD_DIRS, STANDARD_FILES } from "../archive/chfiles";
import { copyDirectory } from "../archive/copy";
import { applyLayer, openRoot } from "../archive/layer";
import { logReport, newReport } from "../archive/report";
import { CommandIO } from "../cli/commands";
import { nameToPath } from "../image/image";
import { fail, isErrno } from "../log/fail";
import * as log from "../log/log";
import * as path from "../path/path";
import { blockStops, checkStops, unblockStops } from "../storage/interrupt";
import { DEFAULT_COMPRESSION, fromSquash, squashListing, toSquash } from "../storage/squash";
import { discard, installImage, newImageDir } from "../storage/storage";
import { toTar } from "../storage/tarball";
import { removeTreeIfAny } from "../storage/tree";
import { Getenv, isDir, statOrNull, Sys } from "../sys/sys";
import { parseArgs } from "./args";

export type Format = "ch-image" | "dir" | "squash" | "tar";
var FORMATS: Format[] = ["ch-image", "dir", "squash", "tar"];

function checkFormat(v: string, option: string): Format {
  if (FORMATS.indexOf(v as Format) < 0)
    fail(option + ": unknown format: " + v, undefined,
         { hint: "FMT is one of: " + FORMATS.join(", "), exitCode: 64 });
  return v as Format;
}

/** The format a name says, as ch-convert guesses it: by suffix, then a
    path starting with / or . is a directory; else undefined. */
function formatByName(desc: string): Format | undefined {
  if (/\.(sqfs|squash|squashfs)$/.test(desc))
    return "squash";
  if (/\.(tar|t.z|tar\..|tar\...|tar\.zst|tbz2)$/.test(desc))
    return "tar";
  if (/^\.{0,2}\//.test(desc))
    return "dir";
  return undefined;
}

/** SRC's format: by name, else an image in storage if there is one of
    that name, else a directory if there is one. */
function sourceFormat(sys: Sys, src: string, storage: string): Format {
  var f = formatByName(src);
  if (f !== undefined)
    return f;
  if (statOrNull(sys, nameToPath(src, storage), false) !== null)
    return "ch-image";
  var st = statOrNull(sys, src, true);
  return st !== null && isDir(st.mode) ? "dir" : "ch-image";
}

/** Fail unless SRC is there in format from. */
function checkSource(sys: Sys, from: Format, src: string, storage: string): void {
  var where = from === "ch-image" ? nameToPath(src, storage) : src;
  var st = statOrNull(sys, where, true);
  if (from === "ch-image" && st === null)
    fail("image not found: " + src, undefined,
         { hint: "skiff images lists the images in " + storage + "; a directory is ./" + src });
  if (st === null)
    return fail("can't convert: not found: " + src);
  if ((from === "dir" || from === "ch-image") !== isDir(st.mode))
    fail("can't convert: " + src + (isDir(st.mode) ? " is a directory, not " : " is not a directory, so not ")
         + (from === "dir" ? "a directory image" : from === "ch-image" ? "an image in storage" : from), undefined,
         { hint: "give its format with -i" });
}

/** Fail if DST can't be made in format to: a directory is never
    replaced (an image in storage and a file are). */
function checkDest(sys: Sys, to: Format, dst: string): void {
  if (to === "ch-image")
    return;
  if (to === "dir" && statOrNull(sys, dst, false) !== null)
    fail("can't convert: exists: " + dst, undefined, { hint: "remove it first, or choose a new directory" });
  var parent = statOrNull(sys, path.dirname(dst), true);
  if (parent === null || !isDir(parent.mode))
    fail("can't convert: not a directory: " + path.dirname(dst), undefined, { hint: "make it first" });
}

/** The mksquashfs -p definitions of the mount points root lacks. */
function missingMountPoints(sys: Sys, root: string): string[] {
  var out: string[] = [];
  for (var i = 0; i < STANDARD_DIRS.length; i++)
    if (statOrNull(sys, path.join(root, STANDARD_DIRS[i]), false) === null)
      out.push(STANDARD_DIRS[i] + " d 755 0 0");
  for (var j = 0; j < STANDARD_FILES.length; j++)
    if (statOrNull(sys, path.join(root, STANDARD_FILES[j]), false) === null)
      out.push(STANDARD_FILES[j] + " f 644 0 0 true");
  return out;
}

/** Copy the tree at src onto the (empty) image directory dir, calling
    check before each entry. */
function copyInto(sys: Sys, src: string, dir: string, check: () => void): void {
  var report = newReport();
  copyDirectory(sys, src, dir, report, check);
  logReport(report);
}

function ensureMountPointsIn(sys: Sys, dir: string): void {
  var fd = openRoot(sys, dir);
  try {
    ensureMountPoints(sys, fd);
  } finally {
    sys.close(fd);
  }
}

/** Unpack src (squash or tar) into dir, a new directory in storage. */
function unpackInto(sys: Sys, from: Format, src: string, dir: string, storage: string, env: Getenv,
                    check: () => void): void {
  if (from === "tar") {
    var report = newReport();
    applyLayer(sys, src, dir, report, undefined, check);
    return logReport(report);
  }
  // unsquashfs run by root keeps owners, and by anyone makes the devices
  // it can: it unpacks elsewhere first, and the copy drops what a user
  // can't have. The owners the copy sees may be unsquashfs's doing
  // (everything a user unpacks is theirs): the listing says the image's.
  var raw = newImageDir(sys, storage, src);
  try {
    var listing = squashListing(sys, src, raw + ".list", env);
    fromSquash(sys, src, raw, listing.specials, env);
    var report = newReport();
    copyDirectory(sys, raw, dir, report, check);
    report.owners = listing.owned;
    report.devices = report.devices.concat(listing.specials);
    logReport(report);
  } finally {
    discard(sys, raw);
  }
}

/** Make directory image dst from root; staged, if not null, is a
    directory in storage holding it already (renamed if it can be). */
function toDirectory(sys: Sys, root: string, staged: string | null, dst: string, check: () => void): void {
  if (staged !== null) {
    try {
      ensureMountPointsIn(sys, staged);
      return sys.rename(staged, dst);
    } catch (e) {
      if (!isErrno(e, "EXDEV"))
        throw e;
    }
  }
  var tmp = dst + "." + sys.getpid() + ".part";
  try {
    sys.mkdir(tmp, 0o755);
    copyInto(sys, root, tmp, check);
    ensureMountPointsIn(sys, tmp);
    sys.rename(tmp, dst);
  } catch (e) {
    removeTreeIfAny(sys, tmp);
    throw e;
  }
}

export function convert(sys: Sys, args: string[], io: CommandIO): number {
  var inFmt: Format | undefined, outFmt: Format | undefined;
  var compression = DEFAULT_COMPRESSION;
  var a = parseArgs("convert", args, io, 2, 2, {
    "in-fmt": function (v) { inFmt = checkFormat(v as string, "--in-fmt"); },
    "out-fmt": function (v) { outFmt = checkFormat(v as string, "--out-fmt"); },
    "compression": function (v) { compression = v as string; },
  });
  var src = a.operands[0], dst = a.operands[1], storage = a.storage;
  var from = inFmt || sourceFormat(sys, src, storage);
  var to = outFmt || formatByName(dst) || "ch-image";
  log.verbose("converting " + from + " " + src + " to " + to + " " + dst);
  checkSource(sys, from, src, storage);
  checkDest(sys, to, dst);
  var staged: string | null = null;
  var check = function () { checkStops(sys, "convert"); };
  blockStops(sys);
  try {
    var root = from === "ch-image" ? nameToPath(src, storage) : src;
    if (from === "squash" || from === "tar") {
      staged = newImageDir(sys, storage, dst);
      unpackInto(sys, from, src, staged, storage, io.env, check);
      root = staged;
    }
    if (to === "ch-image") {
      if (staged === null) {
        staged = newImageDir(sys, storage, dst);
        copyInto(sys, root, staged, check);
      }
      ensureMountPointsIn(sys, staged);
      installImage(sys, staged, storage, dst);
      staged = null;
    } else if (to === "dir") {
      toDirectory(sys, root, staged, dst, check);
    } else if (to === "squash") {
      toSquash(sys, root, dst, compression, missingMountPoints(sys, root), io.env);
    } else {
      toTar(sys, root, dst, io.env);
    }
  } catch (e) {
    check(); // a stop that came meanwhile is the cause, as in import.ts
    throw e;
  } finally {
    if (staged !== null)
      discard(sys, staged);
    unblockStops(sys);
  }
  return 0;
}
