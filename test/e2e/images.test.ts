// `skiff images` and `skiff rm` on a storage directory of images
// (doc/commands.md), as root and as the test user: listing sorted by name
// with size, format and time, names only with -q; removal all or nothing,
// with ch-image's words for a missing image, and nothing left behind.

import { describe, test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH, As, IMG, cleanupScratch, describeResult, run, scratchDir, skiff, status, testUser,
} from "../lib/harness.js";

after(cleanupScratch);

/** A storage directory holding copies of IMG under these names. */
function storageWith(as: As, names: string[]): string {
  const storage = scratchDir(as, "storage");
  fs.mkdirSync(`${storage}/img`);
  for (const n of names)
    assert.equal(run(["cp", "-a", "--", IMG, `${storage}/img/${n.replace(/\//g, "%").replace(/:/g, "+")}`]).status, 0);
  if (as === "user")
    assert.equal(run(["chown", "-hR", `${testUser().uid}:${testUser().gid}`, "--", storage]).status, 0);
  return storage;
}

function duBytes(p: string): number {
  return Number(run(["du", "-s", "-B1", "--", p]).stdout.split("\t")[0]);
}

describe("skiff images and skiff rm", () => {
  for (const as of AS_BOTH) {
    test(`images: one row a stored image, sorted, with du's size, format and time; -q names only, as ${as}`, () => {
      const storage = storageWith(as, ["zeta", "example.com:5050/foo:1.0", "alpine"]);
      const r = status(skiff(["images", "-s", storage], { as }), 0);
      assert.equal(r.stderr, "");
      const lines = r.stdout.split("\n");
      assert.match(lines[0], /^NAME +SIZE +FORMAT +STORED$/);
      assert.deepEqual(lines.slice(1, -1).map((l) => l.split(/ +/)[0]), ["alpine", "example.com:5050/foo:1.0", "zeta"]);
      assert.equal(lines[lines.length - 1], "");
      const row = lines[1].split(/  +/);
      assert.equal(row[2], "dir");
      assert.match(row[3], /^\d{4}-\d\d-\d\d \d\d:\d\d$/);
      const du = duBytes(`${storage}/img/alpine`);
      const m = /^([\d.]+)([BKMG])$/.exec(row[1]);
      assert.ok(m, row[1]);
      const shown = Number(m[1]) * 1024 ** "BKMG".indexOf(m[2]);
      assert.ok(shown >= du && shown <= du * 1.1 + 1024, `${row[1]} for du's ${du}`);
      const q = status(skiff(["images", "-q", "-s", storage], { as }), 0);
      assert.equal(q.stdout, "alpine\nexample.com:5050/foo:1.0\nzeta\n");
    });

    test(`images: no storage directory yet, or none in it: the header only, as ${as}`, () => {
      const r = status(skiff(["images", "-s", `${scratchDir(as)}/none`], { as }), 0);
      assert.deepEqual([r.stdout.split(/ +/).length, r.stderr], [4, ""]);
      assert.equal(status(skiff(["images", "-q"], { as, env: { CH_IMAGE_STORAGE: storageWith(as, []) } }), 0).stdout, "");
    });

    test(`rm: removes the named images and only them, leaving nothing of its own, as ${as}`, () => {
      const storage = storageWith(as, ["a", "b/c:1", "d"]);
      status(skiff(["rm", "-s", storage, "a", "b/c:1"], { as }), 0);
      assert.deepEqual(fs.readdirSync(`${storage}/img`), ["d"]);
      assert.deepEqual(fs.readdirSync(storage).sort(), ["img"]);
      assert.equal(status(skiff(["run", "-s", storage, "d", "--", "true"], { as }), 0).stderr, "");
    });

    test(`rm: an image with directories nobody may write or read, as ${as}`, () => {
      const storage = storageWith(as, ["locked"]);
      const img = `${storage}/img/locked`;
      fs.mkdirSync(`${img}/a/b`, { recursive: true });
      fs.writeFileSync(`${img}/a/b/f`, "");
      if (as === "user")
        assert.equal(run(["chown", "-hR", `${testUser().uid}:${testUser().gid}`, "--", img]).status, 0);
      fs.chmodSync(`${img}/a/b`, 0o000);
      fs.chmodSync(`${img}/a`, 0o555);
      fs.chmodSync(img, 0o555);
      status(skiff(["rm", "-s", storage, "locked"], { as }), 0);
      assert.deepEqual(fs.readdirSync(storage).sort(), ["img"]);
      assert.deepEqual(fs.readdirSync(`${storage}/img`), []);
    });

    test(`rm: a name not stored is ch-image's error, exit 1, and nothing is removed, as ${as}`, () => {
      const storage = storageWith(as, ["a"]);
      const r = status(skiff(["rm", "-s", storage, "a", "nothere"], { as }), 1);
      assert.match(r.stderr, /^skiff\[\d+\]: error: image not found, can't delete: nothere \(hint: skiff images lists the images in .*\)\n$/,
                   describeResult(r));
      assert.deepEqual(fs.readdirSync(`${storage}/img`), ["a"]);
      const none = status(skiff(["rm", "-s", storage], { as }), 64);
      assert.match(none.stderr, / rm: NAME not specified\nTry `skiff rm --help' or `skiff rm --usage' for more information\.\n$/);
    });
  }
});
