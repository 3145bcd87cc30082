// Manifests (OCI image spec and Docker's schema 2): an index or manifest
// list names one manifest per platform; a manifest names the config blob
// and the layers, lowest first.

import { matches, Platform, platformString } from "../archive/platform";
import { fail } from "../log/fail";

var OCI_INDEX = "application/vnd.oci.image.index.v1+json";
var DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
var OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
var DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
/** What we can read, for the Accept header. */
export var ACCEPT = [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST];

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
}

export type Manifest =
  | { kind: "index"; manifests: Descriptor[] }
  | { kind: "image"; config: Descriptor; layers: Descriptor[] };

/** --platform OS/ARCH[/VARIANT] or --arch ARCH[/VARIANT]. */
export function parsePlatform(s: string, withOs: boolean): Platform {
  var f = s.split("/");
  if (withOs ? f.length < 2 || f.length > 3 : f.length > 2 || f[0] === "")
    return fail("invalid " + (withOs ? "platform" : "architecture") + ": " + JSON.stringify(s), undefined,
                { exitCode: 64, hint: withOs ? "write OS/ARCH[/VARIANT], e.g. linux/arm64/v8"
                  : "write ARCH[/VARIANT], e.g. amd64 or arm64/v8" });
  if (!withOs)
    f.unshift("linux");
  var p: Platform = { os: f[0], architecture: f[1] };
  if (f[2] !== undefined && f[2] !== "")
    p.variant = f[2];
  return p;
}

function descriptor(d: unknown, what: string): Descriptor {
  var o = d as Descriptor;
  if (typeof o !== "object" || o === null || typeof o.digest !== "string" || typeof o.size !== "number")
    return fail("malformed manifest: " + what + " is not a descriptor with a digest and a size");
  return o;
}

/** Parse a manifest body; mediaType is the Content-Type the registry gave
    (the body's own mediaType field wins when there is one). */
export function parseManifest(body: string, contentType: string): Manifest {
  var doc: { mediaType?: string; schemaVersion?: number; manifests?: unknown[]; config?: unknown; layers?: unknown[] };
  try {
    doc = JSON.parse(body);
  } catch (e) {
    return fail("malformed manifest: not JSON: " + (e as Error).message);
  }
  var type = (doc && doc.mediaType) || contentType.split(";")[0];
  if (doc && doc.schemaVersion === 1)
    return fail("image manifest is Docker's schema 1, which skiff can't read", undefined,
                { hint: "push the image again with a current Docker, Podman or skopeo" });
  if (type === OCI_INDEX || type === DOCKER_LIST || (!type && doc && doc.manifests)) {
    if (!(doc.manifests instanceof Array))
      return fail("malformed manifest: an index without a manifests list");
    return { kind: "index", manifests: doc.manifests.map(function (d, i) {
      return descriptor(d, "manifests[" + i + "]");
    }) };
  }
  if (type === OCI_MANIFEST || type === DOCKER_MANIFEST || (!type && doc && doc.layers)) {
    if (!(doc.layers instanceof Array))
      return fail("malformed manifest: no layers list");
    return { kind: "image", config: descriptor(doc.config, "config"),
             layers: doc.layers.map(function (d, i) { return descriptor(d, "layers[" + i + "]"); }) };
  }
  return fail("unsupported manifest media type " + JSON.stringify(type), undefined,
              { hint: "skiff reads OCI and Docker schema 2 images" });
}

/** The entry of an index for platform want: its os and architecture, and
    its variant when want names one (else the first). Fails listing what
    the index offers. */
export function selectPlatform(manifests: Descriptor[], want: Platform, ref: string): Descriptor {
  var offered: string[] = [];
  for (var i = 0; i < manifests.length; i++) {
    var p = manifests[i].platform;
    if (!p || p.os === "unknown") // attestations (BuildKit) are not images
      continue;
    offered.push(platformString(p));
    if (matches(p, want))
      return manifests[i];
  }
  return fail("image " + ref + " has no " + platformString(want) + " platform; it has: "
              + (offered.length ? offered.join(", ") : "none"),
              undefined, { hint: "choose one with --platform OS/ARCH[/VARIANT] or --arch ARCH" });
}
