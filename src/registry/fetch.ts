// Getting an image from a registry into the download cache: its manifest
// (through an index, for one platform), its config and its layers, each
// blob checked against its digest.

import { fail } from "../log/fail";
import * as log from "../log/log";
import { readFile, Sys } from "../sys/sys";
import { Client, ClientOptions, header } from "./client";
import { fetchBlob, openCache } from "./cache";
import { Platform, platformString } from "../archive/platform";
import { ACCEPT, Descriptor, parseManifest, selectPlatform } from "./manifest";
import { describeReference, manifestVersion, Reference } from "./reference";

/** Progress as the image commands show it (src/images/progress.ts): a
    step's function for its bytes so far (undefined: not shown), then done. */
export interface FetchProgress {
  start(label: string): ((bytes: number) => void) | undefined;
  done(): void;
}

export interface Fetched {
  /** The image config (OCI image spec's config JSON) as it came. */
  configText: string;
  /** The layers' files in the download cache, lowest first. */
  layers: string[];
  /** The image manifest's digest. */
  digest: string;
}

function shortDigest(d: string): string {
  return d.replace(/^sha256:/, "").slice(0, 12);
}

/** GET a manifest, checking its digest when we asked by digest. */
function getManifest(sys: Sys, client: Client, version: string): { body: string; type: string; digest: string } {
  var r = client.get("manifests", version, ["Accept: " + ACCEPT.join(", ")]);
  var body = r.body || "";
  var digest = "sha256:" + sys.sha256_bytes(body);
  if (version.indexOf("sha256:") === 0 && digest !== version)
    fail("manifest " + version + " failed verification: its content has digest " + digest, undefined,
         { hint: "the registry or something between sent a corrupt manifest; try again" });
  var given = header(r.headers, "Docker-Content-Digest");
  if (given !== "" && given !== digest && version.indexOf("sha256:") !== 0)
    log.verbose("registry says manifest digest " + given + ", content is " + digest);
  return { body: body, type: header(r.headers, "Content-Type"), digest: digest };
}

export function fetchImage(sys: Sys, ref: Reference, platform: Platform, storage: string,
                           options: ClientOptions, progress: FetchProgress): Fetched {
  var client = new Client(sys, ref, options);
  var name = describeReference(ref);
  var m = getManifest(sys, client, manifestVersion(ref));
  var manifest = parseManifest(m.body, m.type);
  if (manifest.kind === "index") {
    var chosen = selectPlatform(manifest.manifests, platform, name);
    log.verbose("platform " + platformString(chosen.platform as Platform) + ": manifest " + chosen.digest);
    m = getManifest(sys, client, chosen.digest);
    manifest = parseManifest(m.body, m.type);
    if (manifest.kind !== "image")
      fail("manifest " + chosen.digest + " of " + name + " is an index in an index, which skiff can't follow");
  }
  openCache(sys, storage);
  var blobs: Descriptor[] = [manifest.config].concat(manifest.layers);
  var files: string[] = [];
  for (var i = 0; i < blobs.length; i++) {
    var label = (i === 0 ? "config " : "layer " + i + "/" + manifest.layers.length + " ") + shortDigest(blobs[i].digest);
    var got = fetchBlob(sys, client, storage, blobs[i], progress.start("downloading " + label));
    progress.done();
    log.verbose(label + (got[1] ? ": in the download cache" : ": downloaded"));
    files.push(got[0]);
  }
  return { configText: readFile(sys, files[0]), layers: files.slice(1), digest: m.digest };
}
