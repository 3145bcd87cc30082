// The download cache, STORAGE/dlcache/ (ch-image's name): blobs by digest.
// A blob is written to a temporary name of this process's and renamed to
// its digest's name only once its digest is checked, so what is there
// under a digest's name is that blob, whatever was interrupted.

import { attempt, fail, isErrno } from "../log/fail";
import * as log from "../log/log";
import { C } from "../sys/constants";
import { statOrNull, Sys } from "../sys/sys";
import { Client } from "./client";
import { Descriptor } from "./manifest";

var DIGEST = /^sha256:([0-9a-f]{64})$/;
var TEMP = /^\.partial\.([0-9]+)\./;

function cacheDir(storage: string): string {
  return storage + "/dlcache";
}

function hexOf(digest: string): string {
  var m = DIGEST.exec(digest);
  if (m === null)
    return fail("unsupported digest " + JSON.stringify(digest), undefined,
                { hint: "skiff verifies sha256 digests, which registries use" });
  return m[1];
}

/** The cache's file for a digest (the cache need not have it). */
export function blobFile(storage: string, digest: string): string {
  return cacheDir(storage) + "/sha256-" + hexOf(digest);
}

/** Make the cache directory; remove partial downloads of processes that are
    gone (killed mid-pull). */
export function openCache(sys: Sys, storage: string): void {
  var dir = cacheDir(storage);
  attempt("can't create download cache " + dir, function () {
    if (statOrNull(sys, dir, false) === null)
      sys.mkdir(dir, 0o755);
  });
  var names = sys.listdir(dir);
  for (var i = 0; i < names.length; i++) {
    var m = TEMP.exec(names[i]);
    if (m === null)
      continue;
    try {
      sys.kill(Number(m[1]), 0);
    } catch (e) {
      if (!isErrno(e, "ESRCH"))
        throw e;
      log.debug("removing partial download " + dir + "/" + names[i]);
      attempt("can't remove partial download", function () { sys.unlink(dir + "/" + names[i]); });
    }
  }
}

export type BlobProgress = (received: number, total: number) => void;

/** Is blob d in the cache? */
export function isCached(sys: Sys, storage: string, d: Descriptor): boolean {
  var st = statOrNull(sys, blobFile(storage, d.digest), false);
  return st !== null && st.size === d.size;
}

/** The cache's file of blob d, downloading it unless the cache has it
    (the bytes also into teeFd, if given, as they come). Returns [file,
    whether it was cached]. */
export function fetchBlob(sys: Sys, client: Client, storage: string, d: Descriptor,
                          progress?: BlobProgress, teeFd?: number): [string, boolean] {
  var file = blobFile(storage, d.digest);
  if (teeFd === undefined && isCached(sys, storage, d))
    return [file, true];
  var temp = cacheDir(storage) + "/.partial." + sys.getpid() + "." + hexOf(d.digest);
  if (statOrNull(sys, temp, false) !== null)
    sys.unlink(temp);
  var fd = attempt("can't create " + temp, function () {
    return sys.open(temp, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o644);
  });
  try {
    var r: HttpResponse;
    try {
      r = client.get("blobs", d.digest, [], { fd: fd, teeFd: teeFd, progress: progress });
    } finally {
      sys.close(fd);
    }
    var got = "sha256:" + r.sha256;
    if (got !== d.digest)
      fail("blob " + d.digest + " failed verification: its content has digest " + got, undefined,
           { hint: "the registry or something between sent a corrupt blob; the download was removed: try again" });
    sys.rename(temp, file);
  } catch (e) {
    try {
      sys.unlink(temp);
    } catch (e2) {
      log.debug("can't remove " + temp);
    }
    throw e;
  }
  return [file, false];
}
