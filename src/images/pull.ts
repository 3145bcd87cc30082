// `skiff pull REF [NAME]` (doc/pull.md): an image from an OCI registry into
// the storage directory. Blobs come through the download cache (each one's
// digest checked); the layers are applied, as a child process downloads
// them, in a temporary directory in storage, which is renamed into place
// only when complete and every digest checked.

import { writeChFiles } from "../archive/chfiles";
import { applyLayer, applyLayerFd } from "../archive/layer";
import { hostPlatform, Platform } from "../archive/platform";
import { logReport, newReport } from "../archive/report";
import { CommandIO } from "../cli/commands";
import { EX_USAGE, fail } from "../log/fail";
import * as log from "../log/log";
import { credentialFiles, findCredentials } from "../registry/auth";
import { blobFile } from "../registry/cache";
import { Downloads } from "../registry/download";
import { fetchImage } from "../registry/fetch";
import { parsePlatform } from "../registry/manifest";
import { parseReference } from "../registry/reference";
import { blockStops, checkStops, isStop, unblockStops } from "../storage/interrupt";
import { DEFAULT_COMPRESSION, toSquash } from "../storage/squash";
import { discard, initStorage, installImage, newImageDir } from "../storage/storage";
import { statOrNull, Sys } from "../sys/sys";
import { parseArgs } from "./args";
import { Progress } from "./progress";
import { squashFile } from "./squash";

export function pull(sys: Sys, args: string[], io: CommandIO): number {
  var platform: Platform | null = null;
  var tlsVerify = true;
  var caFile: string | undefined;
  var authFile: string | undefined;
  var squash = false;
  var a = parseArgs("pull", args, io, 1, 2, {
    "quiet": function () { log.setVerbosity(log.LL_FATAL); },
    "arch": function (v) { platform = parsePlatform(v as string, false); },
    "platform": function (v) { platform = parsePlatform(v as string, true); },
    "tls-verify": function (v) {
      if (v !== undefined && v !== "true" && v !== "false")
        fail("invalid --tls-verify value: " + v, undefined, { exitCode: EX_USAGE, hint: "--tls-verify=true or =false" });
      tlsVerify = v !== "false";
    },
    "tls-no-verify": function () { tlsVerify = false; },
    "ca-file": function (v) { caFile = v; },
    "authfile": function (v) { authFile = v; },
    "squash": function () { squash = true; },
  });
  var ref = parseReference(a.operands[0]);
  var name = a.operands.length > 1 ? a.operands[1] : a.operands[0];
  if (!squash)
    parseReference(name); // NAME is a reference too, as ch-image wants
  var files = credentialFiles(io.env);
  if (authFile !== undefined)
    files.unshift(authFile);
  initStorage(sys, a.storage);
  var progress = new Progress(sys, io);
  var check = function () { checkStops(sys, "pull"); };
  blockStops(sys);
  try {
    var fetched = fetchImage(sys, ref, platform || hostPlatform(sys), a.storage, {
      tlsVerify: tlsVerify,
      caFile: caFile,
      credentials: findCredentials(sys, files, ref),
      userAgent: "skiff",
      check: check,
    }, progress);
    var report = newReport();
    var dir = newImageDir(sys, a.storage, name);
    var downloads: Downloads | null = null;
    try {
      downloads = new Downloads(sys, fetched.client, a.storage, fetched.layers, fetched.labels);
      for (var i = 0; i < fetched.layers.length; i++) {
        var fd = downloads.pipe(i);
        var label = fetched.labels[i];
        if (fd >= 0)
          applyLayerFd(sys, fd, label, dir, report, progress.start("pulling " + label), check);
        else
          applyLayer(sys, blobFile(a.storage, fetched.layers[i].digest), dir, report,
                     progress.start("unpacking " + label), check);
        downloads.done(i);
        progress.done();
      }
      downloads.finish(); // every digest checked
      writeChFiles(sys, dir, fetched.configText);
      if (squash)
        toSquash(sys, dir, squashFile(name), DEFAULT_COMPRESSION, [], io.env);
      else
        installImage(sys, dir, a.storage, name);
    } catch (e) {
      progress.done();
      var cause = downloads !== null ? downloads.stop(!isStop(e)) : null;
      throw cause !== null ? cause : e;
    } finally {
      if (statOrNull(sys, dir, false) !== null) // not installed: failed, or squashed
        discard(sys, dir);
    }
  } finally {
    unblockStops(sys);
  }
  log.verbose("pulled " + name + " (manifest " + fetched.digest + ")");
  logReport(report);
  return 0;
}
