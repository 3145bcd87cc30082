// Image archives the tests make: tars of any entry, hostile ones too,
// and of host directories, all written by test/lib/tar.py (Python's
// tarfile: the one tar writer of the tests, also for the pull tests' layers
// in registry.ts), compressed with gzip or zstd, put together as `docker
// save` writes them or as an OCI image layout (directory or tar) with a
// multi-platform index.

import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { describeResult, run } from "./harness.js";

// The tests run bundled under build/, from the repository (scripts/test.sh).
const TAR_PY = path.resolve("test/lib/tar.py");

/** This machine's architecture as OCI names it, and another one. */
export const ARCH = process.arch === "x64" ? "amd64" : process.arch;
const OTHER_ARCH = ARCH === "arm64" ? "amd64" : "arm64";

export interface Entry {
  name: string;
  type: "file" | "dir" | "symlink" | "hardlink" | "chr" | "blk" | "fifo" | "tree";
  data?: string;
  mode?: number;
  link?: string;
  uid?: number;
  gid?: number;
  mtime?: number;
  /** tree: the host file or directory added whole (owned by root). */
  src?: string;
}

export type Compression = "none" | "gz" | "zst";

function must(argv: string[], input?: string): void {
  const r = run(argv, { input });
  assert.equal(r.status, 0, describeResult(r));
}

/** A tar of entries at out (plus .gz or .zst when compressed); its path. */
export function layerTar(out: string, entries: Entry[], compression: Compression = "none",
                         format: "pax" | "gnu" | "ustar" = "pax"): string {
  must(["/usr/bin/python3", TAR_PY, out, format], JSON.stringify(entries));
  if (compression === "gz") {
    must(["gzip", "-n", "-f", out]);
    return out + ".gz";
  }
  if (compression === "zst") {
    must(["zstd", "-q", "-f", "--rm", out]);
    return out + ".zst";
  }
  return out;
}

/** A tar of the directory dir's content (entries ./...), at out. */
export function tarOf(dir: string, out: string): string {
  return layerTar(out, [{ name: ".", type: "tree", src: dir }]);
}

function sha256(p: string): string {
  return createHash("sha256").update(new Uint8Array(fs.readFileSync(p))).digest("hex");
}

export interface ImageConfig {
  architecture?: string;
  os?: string;
  config?: { [k: string]: unknown };
  history?: unknown[];
}

/** What `docker save` writes, as a directory: manifest.json, the config
    (rootfs.diff_ids: the layers' digests), each layer as ID/layer.tar
    (here possibly compressed). */
export function dockerSaveDir(dir: string, config: ImageConfig, layers: string[]): string {
  fs.mkdirSync(dir, { recursive: true });
  const configName = "0123abcd.json";
  const diffIds = layers.map((l) => `sha256:${sha256(l)}`);
  fs.writeFileSync(`${dir}/${configName}`, JSON.stringify({ ...config, rootfs: { type: "layers", diff_ids: diffIds } }));
  const names = layers.map((l, i) => {
    fs.mkdirSync(`${dir}/layer${i}`);
    fs.copyFileSync(l, `${dir}/layer${i}/layer.tar`);
    return `layer${i}/layer.tar`;
  });
  fs.writeFileSync(`${dir}/manifest.json`,
                   JSON.stringify([{ Config: configName, RepoTags: ["test:1"], Layers: names }]));
  return dir;
}

function blob(dir: string, file: string | null, text?: string): { digest: string; size: number } {
  const tmp = `${dir}/blobs/sha256/.tmp`;
  fs.mkdirSync(path.dirname(tmp), { recursive: true });
  if (file !== null)
    fs.copyFileSync(file, tmp);
  else
    fs.writeFileSync(tmp, text as string);
  const hex = sha256(tmp);
  fs.renameSync(tmp, `${dir}/blobs/sha256/${hex}`);
  return { digest: `sha256:${hex}`, size: fs.statSync(`${dir}/blobs/sha256/${hex}`).size };
}

const LAYER_TYPES: { [c: string]: string } = {
  none: "application/vnd.oci.image.layer.v1.tar",
  gz: "application/vnd.oci.image.layer.v1.tar+gzip",
  zst: "application/vnd.oci.image.layer.v1.tar+zstd",
};

function compressionOf(layer: string): Compression {
  return layer.endsWith(".gz") ? "gz" : layer.endsWith(".zst") ? "zst" : "none";
}

/** An OCI image layout in dir: index.json → an image index naming an
    image for another architecture, which is not there, and this machine's
    → its manifest, config and layers. */
export function ociLayoutDir(dir: string, config: ImageConfig, layers: string[]): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(`${dir}/oci-layout`, JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const cfg = blob(dir, null, JSON.stringify(config));
  const manifest = blob(dir, null, JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...cfg },
    layers: layers.map((l) => ({ mediaType: LAYER_TYPES[compressionOf(l)], ...blob(dir, l) })),
  }));
  const missing = { digest: "sha256:" + "0".repeat(64), size: 1 };
  const index = blob(dir, null, JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [
      { mediaType: "application/vnd.oci.image.manifest.v1+json", ...missing,
        platform: { os: "linux", architecture: OTHER_ARCH } },
      { mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifest,
        platform: { os: "linux", architecture: ARCH } },
    ],
  }));
  fs.writeFileSync(`${dir}/index.json`, JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: "application/vnd.oci.image.index.v1+json", ...index,
                  annotations: { "org.opencontainers.image.ref.name": "1" } }],
  }));
  return dir;
}
