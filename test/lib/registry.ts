// The registry fixture of the pull tests: OCI layouts built here (layers
// made by layouts.ts's writer, gzip and zstd), pushed with Debian's skopeo into
// Debian's docker-registry, which the tests then run on 127.0.0.1 over plain
// HTTP, over HTTPS with a certificate made here (openssl), and behind bearer
// tokens from test/setup/token-server.mjs; test/setup/fake-registry.mjs serves
// what a real registry would not (a corrupt blob, a dropped connection).
//
// Everything lives in REGISTRY_ROOT; the pushed images are kept between
// runs (rebuilt when RECIPE_VERSION changes). Every server started here is
// a child of the test process, stopped by its stop() and, failing that,
// when the test process exits.

import * as assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { TEST_ROOT, waitFor } from "./harness.js";
import { Entry, layerTar } from "./layouts.js";

export const REGISTRY_ROOT = `${TEST_ROOT}/registry`;
const LAYOUTS = `${REGISTRY_ROOT}/layouts`;
const STORAGE = `${REGISTRY_ROOT}/storage`;
const TLS = `${REGISTRY_ROOT}/tls`;
/** The certificate (and CA) of the HTTPS registry and the token signer. */
export const CA_FILE = `${TLS}/cert.pem`;
const KEY_FILE = `${TLS}/key.pem`;
const STAMP = `${REGISTRY_ROOT}/.stamp`;
const RECIPE_VERSION = "7";
/** The checkout: scripts/test.sh runs the tests from there. */
const REPO = process.cwd();

/** Credentials the token server accepts (and wants for private/ repositories). */
export const TOKEN_USER = "skiff";
export const TOKEN_PASSWORD = "s3cret:with colon";

//// Layers and layouts ///////////////////////////////////////////////////

type Compression = "gzip" | "zstd" | "none";
/** Bytes as node:fs and node:crypto take them (this @types/node's Buffer
    is not a Uint8Array<ArrayBuffer> to TypeScript 5.9). */
type Bytes = Uint8Array<ArrayBuffer>;

function sha256(b: Bytes): string {
  return createHash("sha256").update(b).digest("hex");
}

function sh(argv: string[], opts: { cwd?: string; input?: Bytes } = {}): Bytes {
  const r = spawnSync(argv[0], argv.slice(1), { cwd: opts.cwd, input: opts.input, maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, `${argv.join(" ")}: ${r.stderr}`);
  return new Uint8Array(r.stdout) as Bytes;
}

function compress(tar: Bytes, c: Compression): Bytes {
  if (c === "gzip") return sh(["gzip", "-n", "-6", "-c"], { input: tar });
  if (c === "zstd") return sh(["zstd", "-q", "-c"], { input: tar });
  return tar;
}

const LAYER_TYPE: Record<Compression, string> = {
  gzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  zstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  none: "application/vnd.oci.image.layer.v1.tar",
};

interface Descriptor { mediaType: string; digest: string; size: number; platform?: object }

class Layout {
  constructor(readonly dir: string) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, "blobs/sha256"), { recursive: true });
    fs.writeFileSync(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  }

  blob(data: Bytes | string, mediaType: string): Descriptor {
    const b = typeof data === "string" ? new TextEncoder().encode(data) as Bytes : data;
    const hex = sha256(b);
    fs.writeFileSync(path.join(this.dir, "blobs/sha256", hex), b);
    return { mediaType, digest: `sha256:${hex}`, size: b.length };
  }

  image(layers: { tar: Bytes; compression: Compression }[], config: object, arch = "amd64"): Descriptor {
    const ls = layers.map((l) => this.blob(compress(l.tar, l.compression), LAYER_TYPE[l.compression]));
    const cfg = this.blob(JSON.stringify({
      architecture: arch, os: "linux", config,
      rootfs: { type: "layers", diff_ids: layers.map((l) => `sha256:${sha256(l.tar)}`) },
      // As every builder writes it (ch-image refuses a config without).
      history: layers.map((_, i) => ({ created: "2023-11-14T22:13:20Z", created_by: `layer ${i + 1}` })),
    }), "application/vnd.oci.image.config.v1+json");
    return this.blob(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
                                      config: cfg, layers: ls }), "application/vnd.oci.image.manifest.v1+json");
  }

  index(manifests: Descriptor[]): Descriptor {
    return this.blob(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
                                      manifests }), "application/vnd.oci.image.index.v1+json");
  }

  tag(d: Descriptor, tag: string): void {
    fs.writeFileSync(path.join(this.dir, "index.json"), JSON.stringify({
      schemaVersion: 2, manifests: [{ ...d, annotations: { "org.opencontainers.image.ref.name": tag } }],
    }));
  }
}

//// The test images //////////////////////////////////////////////////////

/** The busybox the test images run (busybox-static), with a few applets. */
function busyboxEntries(): Entry[] {
  const out: Entry[] = [{ name: "bin/busybox", type: "tree", src: "/bin/busybox" }];
  for (const a of ["sh", "cat", "ls", "echo", "true"])
    out.push({ name: `bin/${a}`, type: "symlink", link: "busybox" });
  for (const d of ["dev", "proc", "sys", "tmp", "etc", "home", "mnt"])
    out.push({ name: d, type: "dir" });
  out.push({ name: "etc/passwd", type: "file", data: "root:x:0:0:root:/root:/bin/sh\n" });
  out.push({ name: "etc/group", type: "file", data: "root:x:0:\n" });
  return out;
}

/** A layer's tar of entries, each one's parent directories entries of
    their own before it, as a tar of a directory has them. */
function readTar(entries: Entry[]): Bytes {
  const seen = new Set<string>();
  const all: Entry[] = [];
  for (const e of entries) {
    const parts = e.name.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (!seen.has(dir))
        all.push({ name: dir, type: "dir" });
      seen.add(dir);
    }
    seen.add(e.name);
    all.push(e);
  }
  const file = layerTar(`${REGISTRY_ROOT}/layer.tar`, all);
  const tar = new Uint8Array(fs.readFileSync(file)) as Bytes;
  fs.rmSync(file);
  return tar;
}

/** Layers exercising the image spec: whiteouts, an opaque directory, hard
    links, a symlink, modes; gzip, zstd and uncompressed. */
function multiLayers(): { tar: Bytes; compression: Compression }[] {
  const base = readTar([
    ...busyboxEntries(),
    { name: "a/keep", type: "file", data: "keep\n" },
    { name: "a/gone", type: "file", data: "gone\n" },
    { name: "a/gonedir/x", type: "file", data: "x\n" },
    { name: "d/old1", type: "file", data: "old1\n" },
    { name: "d/sub/old2", type: "file", data: "old2\n" },
    { name: "h/file", type: "file", data: "linked\n" },
    { name: "h/link", type: "hardlink", link: "h/file" },
  ]);
  const second = readTar([
    { name: "a/.wh.gone", type: "file", data: "" },
    { name: "a/.wh.gonedir", type: "file", data: "" },
    { name: "d/.wh..wh..opq", type: "file", data: "" },
    { name: "d/new", type: "file", data: "new\n" },
    { name: "x/script", type: "file", data: "#!/bin/sh\necho hi\n", mode: 0o750 },
    { name: "x/ro", type: "file", data: "read only\n", mode: 0o444 },
    { name: "x/to-keep", type: "symlink", link: "../a/keep" },
    { name: "x/hl1", type: "file", data: "two names\n" },
    { name: "x/hl2", type: "hardlink", link: "x/hl1" },
  ]);
  const zstd = readTar([{ name: "z/zfile", type: "file", data: "from a zstd layer\n" }]);
  const plain = readTar([{ name: "u/plain", type: "file", data: "from an uncompressed layer\n" }]);
  return [{ tar: base, compression: "gzip" }, { tar: second, compression: "gzip" },
          { tar: zstd, compression: "zstd" }, { tar: plain, compression: "none" }];
}

export const MULTI_CONFIG = {
  Env: ["PATH=/bin:/usr/bin", "GREETING=hello world", "EMPTY="],
  WorkingDir: "/a",
  Entrypoint: ["/bin/sh"],
  Cmd: ["-c", "echo hi"],
  Labels: { "org.example.test": "skiff" },
};

/** What the fixture pushes: repository:tag → how (skopeo copies the
    layout's one tag; --all for an index). */
interface Pushed { layout: string; all: boolean }

function buildLayouts(): Map<string, Pushed> {
  const out = new Map<string, Pushed>();
  const multi = multiLayers();

  let l = new Layout(`${LAYOUTS}/multi`);
  l.tag(l.image(multi, MULTI_CONFIG), "1");
  out.set("skiff/multi:1", { layout: l.dir, all: false });

  // The differential image: gzip only (ch-image 0.31 reads no zstd).
  l = new Layout(`${LAYOUTS}/gz`);
  l.tag(l.image(multi.slice(0, 2).concat([{ tar: multi[3].tar, compression: "gzip" }]), MULTI_CONFIG), "1");
  out.set("skiff/gz:1", { layout: l.dir, all: false });

  // Shares its lower layers with multi: a second pull downloads one layer.
  l = new Layout(`${LAYOUTS}/sibling`);
  l.tag(l.image(multi.slice(0, 2).concat([{ tar: readTar([{ name: "s/only", type: "file", data: "sib\n" }]),
                                            compression: "gzip" }]), { Env: ["PATH=/bin"] }), "1");
  out.set("skiff/sibling:1", { layout: l.dir, all: false });

  l = new Layout(`${LAYOUTS}/platforms`);
  const per = (arch: string) => l.image([multi[0],
                                         { tar: readTar([{ name: "arch", type: "file", data: arch + "\n" }]),
                                           compression: "gzip" }], { Env: ["PATH=/bin"] }, arch);
  const amd = { ...per("amd64"), platform: { os: "linux", architecture: "amd64" } };
  const arm = { ...per("arm64"), platform: { os: "linux", architecture: "arm64", variant: "v8" } };
  l.tag(l.index([arm, amd]), "1");
  out.set("skiff/platforms:1", { layout: l.dir, all: true });
  // Only arm64: this machine's platform is missing.
  l = new Layout(`${LAYOUTS}/armonly`);
  const arm2 = { ...per("arm64"), platform: { os: "linux", architecture: "arm64", variant: "v8" } };
  l.tag(l.index([arm2]), "1");
  out.set("skiff/armonly:1", { layout: l.dir, all: true });

  // The same as multi, behind a login (the token server wants credentials).
  out.set("private/multi:1", { layout: `${LAYOUTS}/multi`, all: false });

  // For the fake registry: one small layer; and one whose gzip stream is
  // cut short (its digest is that of the cut bytes: only unpacking finds out).
  l = new Layout(`${LAYOUTS}/small`);
  l.tag(l.image([{ tar: readTar([{ name: "s/file", type: "file", data: "x".repeat(300000) }]),
                   compression: "none" }], { Env: ["PATH=/bin"] }), "1");
  l = new Layout(`${LAYOUTS}/truncated`);
  const whole = compress(readTar([{ name: "t/file", type: "file", data: "y".repeat(200000) + "z" }]), "gzip");
  const cut = whole.slice(0, Math.floor(whole.length / 2));
  const layer = l.blob(cut, LAYER_TYPE.gzip);
  const cfg = l.blob(JSON.stringify({ architecture: "amd64", os: "linux", config: {},
                                      rootfs: { type: "layers", diff_ids: [] } }),
                     "application/vnd.oci.image.config.v1+json");
  l.tag(l.blob(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
                                config: cfg, layers: [layer] }), "application/vnd.oci.image.manifest.v1+json"), "1");
  return out;
}

//// Certificates ///////////////////////////////////////////////////////////

function makeCertificate(): void {
  if (fs.existsSync(CA_FILE) && fs.existsSync(KEY_FILE))
    return;
  fs.mkdirSync(TLS, { recursive: true, mode: 0o755 });
  sh(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", KEY_FILE, "-out", CA_FILE,
      "-days", "3650", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]);
  fs.chmodSync(KEY_FILE, 0o600);
  fs.chmodSync(CA_FILE, 0o644);
}

//// Servers ////////////////////////////////////////////////////////////////

export interface Server {
  port: number;
  /** host:port */
  host: string;
  pid: number;
  stop(): void;
}

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of running)
    c.kill("SIGKILL");
});

function randomPort(): number {
  return 30000 + Math.floor(Math.random() * 10000);
}

/** Start argv(port) until it answers probe(port) (another port when the
    first is taken). */
function startServer(argv: (port: number) => string[], probe: (port: number) => boolean, log: string): Server {
  for (let attempt = 0; attempt < 10; attempt++) {
    const port = randomPort();
    const a = argv(port);
    const out = fs.openSync(log, "w");
    const child = spawn(a[0], a.slice(1), { stdio: ["ignore", out, out] });
    fs.closeSync(out);
    running.add(child);
    let exited = false;
    child.on("exit", () => { exited = true; });
    const up = waitFor(() => {
      // The exit event can't fire while we block: ask the kernel.
      if (spawnSync("kill", ["-0", String(child.pid)]).status !== 0) exited = true;
      return exited || probe(port);
    }, 15000);
    if (up && !exited) {
      return {
        port, host: `127.0.0.1:${port}`, pid: child.pid as number,
        stop() {
          child.kill("SIGTERM");
          if (!waitFor(() => spawnSync("kill", ["-0", String(child.pid)]).status !== 0, 3000))
            child.kill("SIGKILL");
          running.delete(child);
        },
      };
    }
    child.kill("SIGKILL");
    running.delete(child);
  }
  throw new Error(`could not start ${argv(0).join(" ")}; see ${log}`);
}

function httpProbe(scheme: string, port: number, pathname = "/v2/"): boolean {
  const r = spawnSync("curl", ["-sk", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
                               `${scheme}://127.0.0.1:${port}${pathname}`], { encoding: "utf8" });
  return r.status === 0 && /^[1-5][0-9][0-9]$/.test(r.stdout) && r.stdout !== "000";
}

export type RegistryKind = "http" | "https" | "token";

/** docker-registry on 127.0.0.1 serving the pushed images. */
export function startRegistry(kind: RegistryKind): Server & { token?: Server } {
  fs.mkdirSync(REGISTRY_ROOT, { recursive: true });
  let token: Server | undefined;
  if (kind === "token")
    token = startTokenServer();
  const config = `${REGISTRY_ROOT}/config-${kind}-${process.pid}.yml`;
  const reg = startServer((port) => {
    const lines = [
      "version: 0.1",
      "log: {level: error}",
      `storage: {filesystem: {rootdirectory: ${STORAGE}}, maintenance: {uploadpurging: {enabled: false}}}`,
      `http: {addr: "127.0.0.1:${port}"${kind === "https" ? `, tls: {certificate: ${CA_FILE}, key: ${KEY_FILE}}` : ""}}`,
    ];
    if (token)
      lines.push(`auth: {token: {realm: "http://${token.host}/token", service: skiff-test, issuer: skiff-test-tokens, `
                 + `rootcertbundle: ${CA_FILE}}}`);
    fs.writeFileSync(config, lines.join("\n") + "\n");
    return ["docker-registry", "serve", config];
  }, (port) => httpProbe(kind === "https" ? "https" : "http", port), `${REGISTRY_ROOT}/${kind}.log`);
  return {
    ...reg, token,
    stop() {
      reg.stop();
      token?.stop();
      fs.rmSync(config, { force: true });
    },
  };
}

function startTokenServer(): Server {
  makeCertificate();
  return startServer((port) => ["node", `${REPO}/test/setup/token-server.mjs`, String(port), KEY_FILE, CA_FILE,
                                `${TOKEN_USER}:${TOKEN_PASSWORD}`],
                     (port) => httpProbe("http", port, "/token"), `${REGISTRY_ROOT}/token.log`);
}

/** test/setup/fake-registry.mjs serving the layouts as repositories
    MODE/LAYOUT (MODE: ok, corrupt, drop). */
export function startFakeRegistry(): Server {
  return startServer((port) => ["node", `${REPO}/test/setup/fake-registry.mjs`, String(port), LAYOUTS],
                     (port) => httpProbe("http", port), `${REGISTRY_ROOT}/fake.log`);
}

//// Set-up /////////////////////////////////////////////////////////////////

/** Build the layouts and push them (once per recipe version). */
export function ensureImages(): void {
  if (fs.existsSync(STAMP) && fs.readFileSync(STAMP, "utf8") === RECIPE_VERSION)
    return;
  fs.rmSync(REGISTRY_ROOT, { recursive: true, force: true });
  fs.mkdirSync(REGISTRY_ROOT, { recursive: true, mode: 0o755 });
  makeCertificate();
  const pushed = buildLayouts();
  const reg = startRegistry("http");
  try {
    for (const [ref, p] of pushed) {
      const tag = ref.slice(ref.lastIndexOf(":") + 1);
      sh(["skopeo", "copy", "--quiet", ...(p.all ? ["--all"] : []), "--dest-tls-verify=false",
          "--preserve-digests", `oci:${p.layout}:${tag}`, `docker://${reg.host}/${ref}`]);
    }
  } finally {
    reg.stop();
  }
  fs.writeFileSync(STAMP, RECIPE_VERSION);
}
