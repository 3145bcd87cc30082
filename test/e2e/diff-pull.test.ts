// The same image pulled from the local HTTPS registry (test/lib/registry.ts)
// by Debian's ch-image 0.31 and by skiff: the same tree (names, types,
// modes, contents, hard links) and the same /ch/environment, as root and as
// the test user; what differs is listed in differences.ts
// (CH_IMAGE_PULL_DIFFERENCES).

import { after, before, test } from "node:test";
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import { AS_BOTH, cleanupScratch, describeResult, run, scratchDir, skiff } from "../lib/harness.js";
import { ensureImages, Server, startRegistry } from "../lib/registry.js";
import { comparableMetadata } from "./differences.js";

let https: Server;

before(() => {
  ensureImages();
  https = startRegistry("https");
});

after(() => {
  https?.stop();
  cleanupScratch();
});

/** One line per entry under root: path, type, permissions, and the
    content's hash, a symlink's target or the first name of a hard link. */
function listing(root: string): string[] {
  const out: string[] = [];
  const inodes = new Map<number, string>();
  const walk = (dir: string) => {
    for (const n of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, n);
      const rel = path.relative(root, p);
      const st = fs.lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out.push(`${rel} dir ${mode}`);
        walk(p);
      } else if (st.isSymbolicLink()) {
        out.push(`${rel} symlink -> ${fs.readlinkSync(p)}`);
      } else if (rel === "ch/metadata.json") {
        out.push(`${rel} file ${mode}`); // compared below, as differences.ts says
      } else if (st.isFile()) {
        const first = st.nlink > 1 ? inodes.get(st.ino) : undefined;
        if (st.nlink > 1 && first === undefined) inodes.set(st.ino, rel);
        out.push(`${rel} file ${mode} ${createHash("sha256").update(new Uint8Array(fs.readFileSync(p))).digest("hex").slice(0, 16)}`
                 + (first !== undefined ? ` = ${first}` : ""));
      } else {
        out.push(`${rel} other ${st.mode.toString(8)}`);
      }
    }
  };
  walk(root);
  return out;
}

for (const as of AS_BOTH) {
  test(`skiff/gz:1 pulled by ch-image and by skiff: same tree and /ch/environment (${as})`, () => {
    const ref = `${https.host}/skiff/gz:1`;
    const theirs = scratchDir(as, "ch-image") + "/storage"; // ch-image makes it
    const ours = scratchDir(as, "skiff");
    // A clean environment: requests honours $REQUESTS_CA_BUNDLE over --tls-no-verify.
    const c = run(["ch-image", "--no-cache", "--tls-no-verify", "-s", theirs, "pull", ref], { as, timeoutMs: 120_000 });
    assert.equal(c.status, 0, describeResult(c));
    const s = skiff(["pull", "-s", ours, "--tls-verify=false", ref], { as, timeoutMs: 60_000 });
    assert.equal(s.status, 0, describeResult(s));
    const dir = `img/${ref.replace(/\//g, "%").replace(/:/g, "+")}`;
    const a = `${theirs}/${dir}`, b = `${ours}/${dir}`;
    assert.deepEqual(listing(b), listing(a));
    assert.equal((fs.statSync(b).mode & 0o7777).toString(8), (fs.statSync(a).mode & 0o7777).toString(8),
                 "the image's root directory");
    assert.equal(fs.readFileSync(`${b}/ch/environment`, "utf8"), fs.readFileSync(`${a}/ch/environment`, "utf8"));
    assert.deepEqual(comparableMetadata(fs.readFileSync(`${b}/ch/metadata.json`, "utf8")),
                     comparableMetadata(fs.readFileSync(`${a}/ch/metadata.json`, "utf8")));
  });
}
