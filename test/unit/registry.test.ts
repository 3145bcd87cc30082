// Unit tests of the registry client (src/registry): references as Docker
// writes them, credentials files, challenges, platforms, and the client's
// requests against a registry simulated in FakeSys (bearer tokens, the
// download cache and its digest checks).

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";

import { credentialFiles, findCredentials, parseChallenge } from "../../src/registry/auth.ts";
import { decodeBase64, encodeBase64 } from "../../src/registry/base64.ts";
import { blobFile, fetchBlob, openCache } from "../../src/registry/cache.ts";
import { Client } from "../../src/registry/client.ts";
import { Downloads } from "../../src/registry/download.ts";
import { fetchImage } from "../../src/registry/fetch.ts";
import { parseManifest, parsePlatform, selectPlatform } from "../../src/registry/manifest.ts";

import { parseReference } from "../../src/registry/reference.ts";
import { readFile } from "../../src/sys/sys.ts";
import { FakeSys } from "../lib/fakesys.ts";
import { failureOf } from "../lib/failure.ts";

const sha = (s: string) => "sha256:" + createHash("sha256").update(s, "utf8").digest("hex");

test("references: Docker's defaults (docker.io, library/, latest), hosts, ports, digests", () => {
  assert.deepEqual(parseReference("alpine"),
                   { registry: "docker.io", host: "registry-1.docker.io", repository: "library/alpine",
                     tag: "latest", digest: "" });
  assert.deepEqual(parseReference("alpine:3.19").tag, "3.19");
  assert.equal(parseReference("docker.io/alpine").repository, "library/alpine");
  assert.equal(parseReference("someone/tool:1").repository, "someone/tool");
  assert.equal(parseReference("someone/tool:1").host, "registry-1.docker.io");
  const d = "sha256:" + "ab".repeat(32);
  assert.deepEqual(parseReference("ghcr.io/org/img@" + d),
                   { registry: "ghcr.io", host: "ghcr.io", repository: "org/img", tag: "", digest: d });
  assert.deepEqual(parseReference("localhost:5000/x:y"),
                   { registry: "localhost:5000", host: "localhost:5000", repository: "x", tag: "y", digest: "" });
  assert.equal(parseReference("localhost/x").registry, "localhost");
  assert.equal(parseReference("127.0.0.1:5000/a/b/c:1.0-rc_1@" + d).repository, "a/b/c");
});

test("references: each malformed part is a usage error naming it", () => {
  for (const [ref, words] of [["Alpine", "repository \"Alpine\""], ["alpine:", "tag \"\""], ["x@sha256:12", "digest"],
                              ["", "no repository"], ["a//b", "repository"], ["ex ample.com/x", "registry"],
                              ["alpine:a/b", "registry \"alpine:a\""], ["x:" + "t".repeat(129), "tag"]]) {
    const f = failureOf(() => parseReference(ref));
    assert.equal(f.exitCode, 64, ref);
    assert.match(f.message, new RegExp("^invalid image reference: " + JSON.stringify(ref).replace(/[[\]().*+?^$|\\]/g, "\\$&")));
    assert.ok(f.message.includes(words), f.message);
  }
});

test("base64 both ways, and refused when not base64", () => {
  for (const s of ["", "a", "ab", "abc", "user:pa ss", "\u00ff\u0000x"])
    assert.equal(decodeBase64(encodeBase64(s)), s);
  assert.equal(encodeBase64("skiff:s3cret"), Buffer.from("skiff:s3cret").toString("base64"));
  assert.equal(decodeBase64("a$b"), null);
});

test("WWW-Authenticate: scheme and parameters, quoted or not", () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull"'),
                   { scheme: "bearer", params: { realm: "https://auth.example/token", service: "reg",
                                                 scope: "repository:a/b:pull" } });
  assert.deepEqual(parseChallenge('Basic realm="x \\"y\\""'), { scheme: "basic", params: { realm: 'x "y"' } });
  assert.deepEqual(parseChallenge("Basic realm=plain"), { scheme: "basic", params: { realm: "plain" } });
  assert.equal(parseChallenge(""), null);
});

test("credentials: Podman's auth.json before Docker's config.json, keys as either writes them", () => {
  const sys = new FakeSys();
  const env = (n: string) => ({ XDG_RUNTIME_DIR: "/run/user/1000", HOME: "/home/u" } as Record<string, string>)[n];
  assert.deepEqual(credentialFiles(env), ["/run/user/1000/containers/auth.json", "/home/u/.config/containers/auth.json",
                                          "/home/u/.docker/config.json"]);
  const files = credentialFiles(env);
  sys.addFile("/home/u/.docker/config.json", JSON.stringify({ auths: {
    "https://index.docker.io/v1/": { auth: encodeBase64("hub:pw") },
    "reg.example.com:5000": { auth: encodeBase64("d:pw") },
  } }));
  assert.equal(findCredentials(sys, files, parseReference("alpine"))?.basic, encodeBase64("hub:pw"));
  assert.equal(findCredentials(sys, files, parseReference("reg.example.com:5000/x"))?.basic, encodeBase64("d:pw"));
  assert.equal(findCredentials(sys, files, parseReference("other.example.com/x")), null);
  sys.addFile("/run/user/1000/containers/auth.json", JSON.stringify({ auths: {
    "reg.example.com:5000/team": { auth: encodeBase64("team:pw") },
    "https://reg.example.com:5000": { auth: encodeBase64("podman:pw") },
  } }));
  assert.equal(findCredentials(sys, files, parseReference("reg.example.com:5000/x"))?.basic, encodeBase64("podman:pw"));
  assert.equal(findCredentials(sys, files, parseReference("reg.example.com:5000/team/x"))?.basic,
               encodeBase64("team:pw"));
  sys.addFile("/bad.json", JSON.stringify({ auths: { "r.example": { auth: "not base64!" } } }));
  assert.match(failureOf(() => findCredentials(sys, ["/bad.json"], parseReference("r.example/x"))).message,
               /^credentials for r\.example in \/bad\.json are not base64 of USER:PASSWORD/);
});

const AMD64 = { os: "linux", architecture: "amd64" };
const ARM64 = { os: "linux", architecture: "arm64", variant: "v8" };

test("platforms: --arch and --platform, and an index without ours lists what it has", () => {
  assert.deepEqual(parsePlatform("arm64/v8", false), { os: "linux", architecture: "arm64", variant: "v8" });
  assert.deepEqual(parsePlatform("linux/ppc64le", true), { os: "linux", architecture: "ppc64le" });
  assert.equal(failureOf(() => parsePlatform("amd64", true)).exitCode, 64);
  const m = [
    { mediaType: "m", digest: "sha256:1", size: 1, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
    { mediaType: "m", digest: "sha256:2", size: 1, platform: { os: "unknown", architecture: "unknown" } },
    { mediaType: "m", digest: "sha256:3", size: 1, platform: { os: "linux", architecture: "amd64" } },
  ];
  assert.equal(selectPlatform(m, AMD64, "r").digest, "sha256:3");
  assert.equal(selectPlatform(m, ARM64, "r").digest, "sha256:1");
  assert.equal(failureOf(() => selectPlatform(m, { os: "linux", architecture: "s390x" }, "r")).message,
               "image r has no linux/s390x platform; it has: linux/arm64/v8, linux/amd64");
});

test("manifests: schema 1 and unknown media types refused", () => {
  assert.match(failureOf(() => parseManifest(JSON.stringify({ schemaVersion: 1 }), "")).message, /schema 1/);
  assert.match(failureOf(() => parseManifest("{}", "text/html")).message, /unsupported manifest media type "text\/html"/);
  assert.match(failureOf(() => parseManifest("<html>", "")).message, /^malformed manifest: not JSON/);
});

/** A registry in FakeSys that wants a bearer token. */
function tokenRegistry(sys: FakeSys, blobs: Record<string, string>, manifest: string): string[] {
  const seen: string[] = [];
  sys.http = (url, req) => {
    const auth = (req.headers || []).filter((h) => h.startsWith("Authorization: ")).join();
    seen.push(url + " " + auth);
    if (url.startsWith("https://auth.example/token?"))
      return { status: 200, headers: [], body: JSON.stringify({ token: "T0K" }) };
    if (auth !== "Authorization: Bearer T0K")
      return { status: 401, headers: ['WWW-Authenticate: Bearer realm="https://auth.example/token",service="reg"'],
               body: "" };
    const m = /\/v2\/team\/app\/(manifests|blobs)\/(.*)$/.exec(url);
    if (m && m[1] === "manifests")
      return { status: 200, headers: ["Content-Type: application/vnd.oci.image.manifest.v1+json"], body: manifest };
    if (m && blobs[m[2]] !== undefined)
      return { status: 200, headers: [], body: blobs[m[2]] };
    return { status: 404, headers: [], body: "" };
  };
  return seen;
}

const SILENT = { start: () => undefined, done: () => undefined };
const OPTS = { tlsVerify: true, credentials: null, userAgent: "skiff-test" };

test("client: a 401 gets an anonymous token for the repository's pull scope, then the request again", () => {
  const sys = new FakeSys();
  const config = JSON.stringify({ config: { Env: ["A=1"] } });
  const layer = "layer bytes";
  const manifest = JSON.stringify({
    schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "c", digest: sha(config), size: config.length },
    layers: [{ mediaType: "l", digest: sha(layer), size: layer.length }],
  });
  const seen = tokenRegistry(sys, { [sha(config)]: config, [sha(layer)]: layer }, manifest);
  sys.addDir("/s");
  const got = fetchImage(sys, parseReference("reg.example/team/app:1"), AMD64, "/s", OPTS,
                         SILENT);
  assert.equal(got.configText, config);
  assert.deepEqual(got.layers.map((l) => l.digest), [sha(layer)]);
  assert.deepEqual(got.labels, ["layer 1/1 " + sha(layer).slice(7, 19)]);
  assert.equal(got.digest, sha(manifest));
  assert.equal(readFile(sys, blobFile("/s", sha(config))), config, "the config, in the download cache");
  assert.deepEqual(seen.filter((s) => s.includes("/blobs/")).map((s) => s.replace(/ .*/, "")),
                   ["https://reg.example/v2/team/app/blobs/" + sha(config)], "the layers are download.ts's");
  assert.deepEqual(seen.slice(0, 3), [
    "https://reg.example/v2/team/app/manifests/1 ",
    "https://auth.example/token?service=reg&scope=repository%3Ateam%2Fapp%3Apull ",
    "https://reg.example/v2/team/app/manifests/1 Authorization: Bearer T0K",
  ]);
  // A sibling pull finds the config in the cache: only the manifest is asked for.
  seen.length = 0;
  fetchImage(sys, parseReference("reg.example/team/app:1"), AMD64, "/s", OPTS, SILENT);
  assert.deepEqual(seen.filter((s) => s.includes("/blobs/")), []);
});

test("cache: a blob whose digest does not match is an error naming it, and nothing is left", () => {
  const sys = new FakeSys();
  sys.addDir("/s");
  openCache(sys, "/s");
  const d = sha("what it should be");
  tokenRegistry(sys, { [d]: "what came instead" }, "{}");
  const client = new Client(sys, parseReference("reg.example/team/app:1"), OPTS);
  const f = failureOf(() => fetchBlob(sys, client, "/s", { mediaType: "l", digest: d, size: 17 }));
  assert.equal(f.message, "blob " + d + " failed verification: its content has digest " + sha("what came instead"));
  assert.deepEqual(sys.listdir("/s/dlcache"), []);
});

test("downloads: a pipe or the fork failing closes every pipe made so far", () => {
  const layers = ["a", "b"].map((s) => ({ mediaType: "l", digest: sha(s), size: 1 }));
  // Each layer's pipe, the report's pipe, the fork.
  for (const [call, nth] of [["pipe", 1], ["pipe", 2], ["pipe", 3], ["fork", 1]] as const) {
    const sys = new FakeSys();
    sys.addDir("/s");
    const client = new Client(sys, parseReference("reg.example/team/app:1"), OPTS);
    const before = sys.openFds();
    let n = 0;
    sys.inject({ call, code: "EAGAIN", match: () => ++n === nth });
    assert.throws(() => new Downloads(sys, client, "/s", layers, ["a", "b"]),
                  (e: { strerror?: string }) => e.strerror === "Resource temporarily unavailable");
    assert.equal(sys.callsOf("pipe").length, call === "pipe" ? nth : 3, "the failure came where meant");
    assert.deepEqual(sys.openFds(), before, `${call} ${nth} failing`);
  }
});

test("cache: partial downloads of processes that are gone are removed, live ones kept", () => {
  const sys = new FakeSys();
  sys.addFile("/s/dlcache/.partial.999999.abc", "half");
  sys.addFile("/s/dlcache/.partial." + sys.pid + ".abc", "ours");
  sys.addFile("/s/dlcache/sha256-" + "0".repeat(64), "kept");
  sys.injections.push({ call: "kill", match: (a) => a[0] === 999999, code: "ESRCH" });
  openCache(sys, "/s");
  assert.deepEqual(sys.listdir("/s/dlcache").sort(), [".partial." + sys.pid + ".abc", "sha256-" + "0".repeat(64)]);
});
