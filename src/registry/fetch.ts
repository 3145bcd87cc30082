// Getting an image from a registry: its manifest (through an index, for
// one platform) and its config, into the download cache, checked against
// its digest; its layers come through download.ts.

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
  /** The layers, lowest first, not yet downloaded (download.ts). */
  layers: Descriptor[];
  /** How each layer is named in messages. */
  labels: string[];
  /** The image manifest's digest. */
  digest: string;
  /** The registry's client, authenticated, for the layers. */
  client: Client;
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

/** The image's manifest (through an index, for platform) and its config,
    which goes through the download cache. */
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
  var label = "config " + shortDigest(manifest.config.digest);
  var got = fetchBlob(sys, client, storage, manifest.config, progress.start("downloading " + label));
  progress.done();
  log.verbose(label + (got[1] ? ": in the download cache" : ": downloaded"));
  var layers = manifest.layers;
  var labels = layers.map(function (l, i) { return "layer " + (i + 1) + "/" + layers.length + " " + shortDigest(l.digest); });
  return { configText: readFile(sys, got[0]), layers: layers, labels: labels, digest: m.digest, client: client };
}
