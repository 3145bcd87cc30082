// `skiff import SRC NAME` (doc/import.md): an image from a `docker save`
// archive, an OCI image layout (directory or tar), a root file system
// (tar, compressed or not, or a directory) into the storage directory, or
// with --squash into a SquashFS file. The image is made in a temporary
// directory in storage and renamed into place only when complete; a
// Ctrl-C, SIGTERM or SIGHUP stops the work and removes it (as pull's do).

import { applyLayer, applyLayerFd } from "../archive/layer";
import { copyDirectory } from "../archive/copy";
import { writeChFiles } from "../archive/chfiles";
import { LayerFile, Layout, openIn, readLayout, verified } from "../archive/layout";
import { logReport, newReport, Report } from "../archive/report";
import { CommandIO } from "../cli/commands";
import { attempt, fail } from "../log/fail";
import * as log from "../log/log";
import { blockStops, checkStops, unblockStops } from "../storage/interrupt";
import { DEFAULT_COMPRESSION, toSquash } from "../storage/squash";
import { discard, installImage, newImageDir } from "../storage/storage";
import { C } from "../sys/constants";
import { isDir, Sys } from "../sys/sys";
import { parseArgs } from "./args";
import { Progress } from "./progress";
import { squashFile } from "./squash";

/** The layer file l beneath dirFd, opened; checked against its digest
    first if it has one. */
function openLayer(sys: Sys, dirFd: number, l: LayerFile, what: string): number {
  var fd = openIn(sys, dirFd, l.path, what);
  if (fd === null)
    return fail("can't import: " + what + ": layer missing");
  if (l.digest === null)
    return fd;
  try {
    verified(l.digest, "sha256:" + sys.sha256_fd(fd), what);
  } finally {
    sys.close(fd);
  }
  return openIn(sys, dirFd, l.path, what) as number;
}

/** Apply layout's layers (in the directory open as dirFd) onto image. */
function applyLayout(sys: Sys, layout: Layout, src: string, dirFd: number, image: string, report: Report,
                     progress: Progress, check: () => void): void {
  log.verbose(src + ": " + layout.kind + ", " + layout.layers.length + " layers");
  for (var i = 0; i < layout.layers.length; i++) {
    var what = src + ": " + layout.layers[i].path;
    var fd = openLayer(sys, dirFd, layout.layers[i], what);
    try {
      applyLayerFd(sys, fd, what, image, report, progress.start("layer " + (i + 1) + "/" + layout.layers.length),
                   check);
    } finally {
      sys.close(fd);
    }
    progress.done();
  }
}

interface Unpacked {
  /** The directory holding the image. */
  image: string;
  /** The image config's JSON, or null if none. */
  config: string | null;
  report: Report;
}

/** Fill image (or, for an image archive, a directory of its own, added to
    temps) from src, calling check before each entry. */
function unpack(sys: Sys, src: string, image: string, storage: string, name: string, temps: string[],
                progress: Progress, check: () => void): Unpacked {
  var report = newReport();
  var st = attempt("can't import: " + src, function () { return sys.stat(src); });
  var layoutDir = src;
  if (!isDir(st.mode)) {
    // A tar: a root file system, or an image archive to look into.
    applyLayer(sys, src, image, report, progress.start(src), check);
    progress.done();
    layoutDir = image;
  }
  var dirFd = attempt("can't import: " + src, function () { return sys.open(layoutDir, C.O_PATH | C.O_DIRECTORY); });
  try {
    var layout = readLayout(sys, dirFd, src);
    if (layout === null) {
      if (layoutDir === src)
        copyDirectory(sys, src, image, report, check);
      return { image: image, config: null, report: report };
    }
    var into = image;
    if (layoutDir === image) {
      into = newImageDir(sys, storage, name);
      temps.push(into);
      report = newReport();
    }
    applyLayout(sys, layout, src, dirFd, into, report, progress, check);
    return { image: into, config: layout.config, report: report };
  } finally {
    sys.close(dirFd);
  }
}

export function importImage(sys: Sys, args: string[], io: CommandIO): number {
  var squash = false;
  var a = parseArgs("import", args, io, 2, 2, {
    "squash": function () { squash = true; },
    "quiet": function () { log.setVerbosity(log.LL_FATAL); },
  });
  var src = a.operands[0];
  var name = a.operands[1];
  if (name === "" || name === "." || name === ".." || name.indexOf("\0") >= 0)
    fail("invalid image name: " + name, undefined, { hint: "name the image as for ch-image, e.g. alpine:3.19" });
  var progress = new Progress(sys, io);
  var temps: string[] = [];
  var got: Unpacked;
  var check = function () { checkStops(sys, "import"); };
  blockStops(sys);
  try {
    var image = newImageDir(sys, a.storage, name);
    temps.push(image);
    got = unpack(sys, src, image, a.storage, name, temps, progress, check);
    writeChFiles(sys, got.image, got.config);
    if (squash) {
      toSquash(sys, got.image, squashFile(name), DEFAULT_COMPRESSION, [], io.env);
    } else {
      installImage(sys, got.image, a.storage, name);
      temps.splice(temps.indexOf(got.image), 1);
    }
  } catch (e) {
    // A stop that came meanwhile is the cause: a Ctrl-C also ends the
    // program writing into a pipe we read, cutting its archive short.
    check();
    throw e;
  } finally {
    progress.done();
    for (var i = 0; i < temps.length; i++)
      discard(sys, temps[i]);
    unblockStops(sys);
  }
  logReport(got.report);
  return 0;
}
