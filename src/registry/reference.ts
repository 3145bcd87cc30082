// Image references as Docker and Podman users write them: [HOST[:PORT]/]PATH
// [:TAG][@DIGEST], where HOST is a first component with a "." or ":" in it,
// or "localhost"; without one the registry is Docker Hub, whose one-component
// names live under library/ (doc/images.md, "Pulling").

import { fail, EX_USAGE } from "../log/fail";

export interface Reference {
  /** The registry as written ("docker.io" when none was). */
  registry: string;
  /** Where its API is: host[:port]. */
  host: string;
  /** Repository path on the registry, e.g. "library/alpine". */
  repository: string;
  tag: string;
  /** "sha256:HEX" when the reference pins one, else "". */
  digest: string;
}

var DEFAULT_REGISTRY = "docker.io";
var DOCKER_HUB_API = "registry-1.docker.io";

// The distribution spec's grammar (reference/regexp.go there).
var COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
var TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
var DIGEST = /^sha256:[0-9a-f]{64}$/;
var HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

function bad(ref: string, why: string): never {
  return fail("invalid image reference: " + JSON.stringify(ref) + ": " + why, undefined, {
    exitCode: EX_USAGE,
    hint: "write it as Docker does: NAME[:TAG][@sha256:DIGEST], e.g. alpine:3.19 or localhost:5000/team/app:1.0",
  });
}

export function parseReference(ref: string): Reference {
  var rest = ref, digest = "", tag = "";
  var at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest))
      bad(ref, "digest " + JSON.stringify(digest) + " is not sha256: and 64 hex digits");
  }
  var slash = rest.indexOf("/");
  var first = slash < 0 ? "" : rest.slice(0, slash);
  var registry = DEFAULT_REGISTRY;
  if (first !== "" && (first.indexOf(".") >= 0 || first.indexOf(":") >= 0 || first === "localhost"
                       || first !== first.toLowerCase())) {
    registry = first;
    rest = rest.slice(slash + 1);
    if (!HOST.test(registry))
      bad(ref, "registry " + JSON.stringify(registry) + " is not HOST[:PORT]");
  }
  var colon = rest.lastIndexOf(":");
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag))
      bad(ref, "tag " + JSON.stringify(tag) + " has characters a tag can't (letters, digits, _ . -; at most 128)");
  }
  if (rest === "")
    bad(ref, "no repository name");
  var parts = rest.split("/");
  for (var i = 0; i < parts.length; i++)
    if (!COMPONENT.test(parts[i]))
      bad(ref, "repository " + JSON.stringify(rest) + " is not lowercase letters, digits and separators (. _ __ -) between /");
  var hub = registry === DEFAULT_REGISTRY || registry === "index.docker.io";
  return {
    registry: registry,
    host: hub ? DOCKER_HUB_API : registry,
    repository: hub && parts.length === 1 ? "library/" + rest : rest,
    tag: tag === "" && digest === "" ? "latest" : tag,
    digest: digest,
  };
}

/** What to ask the registry's manifests endpoint for. */
export function manifestVersion(r: Reference): string {
  return r.digest !== "" ? r.digest : r.tag;
}

/** The full reference, as messages name it. */
export function describeReference(r: Reference): string {
  return r.registry + "/" + r.repository + (r.tag !== "" ? ":" + r.tag : "") + (r.digest !== "" ? "@" + r.digest : "");
}
