// The lean launch path (doc/images.md): the skiff binary links no library
// that only pull or import need; native/dl.c opens them when those
// commands first call into them.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

test("build/skiff links neither libcurl nor libcrypto/libssl nor libarchive", () => {
  const r = spawnSync("ldd", ["build/skiff"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /libc\.so/);
  assert.doesNotMatch(r.stdout, /libcurl|libcrypto|libssl|libarchive|libz\.|libzstd/);
});
