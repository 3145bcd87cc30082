// What an image archive holds, unpacked into a directory: a `docker save`
// archive (manifest.json naming the config and the layers, lowest first)
// or an OCI image layout (oci-layout, index.json → manifest → config and
// layer blobs; this machine's platform from an index). Every name in them
// is data: it is resolved beneath the directory, never through a symlink.

import { fail } from "../log/fail";
import * as log from "../log/log";
import { C } from "../sys/constants";
import { Sys } from "../sys/sys";
import { components, openDir, statAt } from "./beneath";
import { hostPlatform, matches, Platform, platformString } from "./platform";

export interface Layout {
  /** "docker save" or "OCI layout", for messages. */
  kind: string;
  /** The image config's JSON as stored, or null if there is none. */
  config: string | null;
  /** The layers, lowest first. */
  layers: LayerFile[];
}

export interface LayerFile {
  /** Its path in the directory. */
  path: string;
  /** The SHA-256 its content must have ("sha256:HEX"), if known. */
  digest: string | null;
}

interface Descriptor {
  mediaType?: string;
  digest?: string;
  platform?: Platform;
}

var INDEX_TYPES = ["application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json"];

/** The file at rel beneath dirFd, opened for reading; null if missing. */
export function openIn(sys: Sys, dirFd: number, rel: string, what: string): number | null {
  var comps = components(rel);
  if (comps === null || comps.length === 0)
    return fail(what + ": refused: " + rel + " is not a path inside the archive");
  var parent = openDir(sys, dirFd, comps.slice(0, -1), false, what);
  if (parent === null)
    return null;
  try {
    if (statAt(sys, parent, comps[comps.length - 1]) === null)
      return null;
    return sys.openat(parent, comps[comps.length - 1], C.O_RDONLY | C.O_NOFOLLOW);
  } finally {
    sys.close(parent);
  }
}

function readIn(sys: Sys, dirFd: number, rel: string, what: string): string | null {
  var fd = openIn(sys, dirFd, rel, what);
  if (fd === null)
    return null;
  try {
    var chunks: string[] = [];
    for (var s = sys.read(fd, 65536); s !== ""; s = sys.read(fd, 65536))
      chunks.push(s);
    return chunks.join("");
  } finally {
    sys.close(fd);
  }
}

function parse(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    return fail(what + ": not JSON: " + (e as Error).message);
  }
}

function required(sys: Sys, dirFd: number, rel: string, what: string): string {
  var text = readIn(sys, dirFd, rel, what);
  if (text === null)
    fail(what + ": " + rel + " is missing");
  return text as string;
}

/** The digest to check a blob against: sha256 ones only (what skiff can
    compute), as "sha256:HEX". */
function sha256Of(digest: unknown): string | null {
  return typeof digest === "string" && /^sha256:[a-f0-9]{64}$/.test(digest) ? digest : null;
}

/** A blob's content whose digest checks. */
function blobText(sys: Sys, dirFd: number, digest: unknown, what: string): string {
  var rel = blobPath(digest, what);
  var text = required(sys, dirFd, rel, what);
  var want = sha256Of(digest);
  if (want !== null)
    verified(want, "sha256:" + sys.sha256_bytes(text), what + ": " + rel);
  return text;
}

/** Fail unless a blob's digest got is the one wanted. */
export function verified(want: string, got: string, what: string): void {
  if (got !== want)
    fail(what + ": failed verification: its content has digest " + got + ", not " + want, undefined,
         { hint: "the archive is corrupt" });
}

/** blobs/ALGORITHM/ENCODED for a digest (the image spec's layout). */
function blobPath(digest: unknown, what: string): string {
  var m = typeof digest === "string" ? /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/.exec(digest) : null;
  if (m === null)
    return fail(what + ": not a digest: " + String(digest));
  return "blobs/" + m[1] + "/" + m[2];
}

/** The manifest of an index's that runs on this machine. */
function pick(manifests: Descriptor[], want: Platform, what: string): Descriptor {
  var any = false;
  var here: Descriptor[] = [];
  for (var i = 0; i < manifests.length; i++) {
    any = any || manifests[i].platform !== undefined;
    if (matches(manifests[i].platform, want))
      here.push(manifests[i]);
  }
  if (!any)
    here = manifests;
  if (here.length === 0) {
    var have: string[] = [];
    for (var j = 0; j < manifests.length; j++)
      have.push(manifests[j].platform ? platformString(manifests[j].platform as Platform) : "?");
    return fail(what + ": no image for " + platformString(want) + " (it has " + have.join(", ") + ")");
  }
  if (here.length > 1)
    log.verbose(what + ": " + here.length + " images would do; taking the first");
  return here[0];
}

/** docker save's layers are uncompressed: the config's rootfs.diff_ids
    are their digests. */
function dockerSave(sys: Sys, dirFd: number, text: string, what: string): Layout {
  var m = parse(text, what + ": manifest.json") as Array<{ Config?: string; Layers?: string[] }>;
  if (!(m instanceof Array) || m.length === 0 || typeof m[0] !== "object" || m[0] === null
      || !(m[0].Layers instanceof Array))
    return fail(what + ": manifest.json: not a docker save manifest");
  if (m.length > 1)
    log.warning(what + ": holds " + m.length + " images; importing the first");
  var layers = m[0].Layers;
  var config = typeof m[0].Config === "string" ? required(sys, dirFd, m[0].Config, what) : null;
  var parsed = config === null ? null : parse(config, what + ": " + m[0].Config) as { rootfs?: { diff_ids?: unknown[] } };
  var ids = parsed && parsed.rootfs && parsed.rootfs.diff_ids instanceof Array ? parsed.rootfs.diff_ids : [];
  return {
    kind: "docker save",
    config: config,
    layers: layers.map(function (l, i) {
      return { path: String(l), digest: ids.length === layers.length ? sha256Of(ids[i]) : null };
    }),
  };
}

function ociLayout(sys: Sys, dirFd: number, what: string): Layout {
  var want = hostPlatform(sys);
  var index = parse(required(sys, dirFd, "index.json", what), what + ": index.json") as { manifests?: Descriptor[] };
  for (var depth = 0; ; depth++) {
    if (typeof index !== "object" || index === null || !(index.manifests instanceof Array)
        || index.manifests.length === 0)
      return fail(what + ": an index without manifests");
    var d = pick(index.manifests, want, what);
    var blob = blobPath(d.digest, what);
    var doc = parse(blobText(sys, dirFd, d.digest, what), what + ": " + blob);
    if (INDEX_TYPES.indexOf(d.mediaType || "") < 0 && !(doc as { manifests?: unknown }).manifests) {
      var m = doc as { config?: Descriptor; layers?: Descriptor[] };
      if (!(m.layers instanceof Array))
        return fail(what + ": " + blob + ": not an image manifest");
      return {
        kind: "OCI layout",
        config: m.config ? blobText(sys, dirFd, m.config.digest, what) : null,
        layers: m.layers.map(function (l) { return { path: blobPath(l.digest, what), digest: sha256Of(l.digest) }; }),
      };
    }
    if (depth > 8)
      return fail(what + ": indexes nested too deep");
    index = doc as { manifests?: Descriptor[] };
  }
}

/** What the directory open as dirFd holds if it is an image archive
    unpacked (what names it in messages), else null. */
export function readLayout(sys: Sys, dirFd: number, what: string): Layout | null {
  var manifest = readIn(sys, dirFd, "manifest.json", what);
  if (manifest !== null)
    return dockerSave(sys, dirFd, manifest, what);
  if (statAt(sys, dirFd, "oci-layout") !== null && statAt(sys, dirFd, "index.json") !== null)
    return ociLayout(sys, dirFd, what);
  return null;
}
