// The lean launch path (README, How it is built): skiff is linked statically,
// so a launch maps no library at all; the libraries only the image
// commands need are skiff-dynamic's, which opens them (native/dl.c) when
// those commands first call into them.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

test("build/skiff is static: no dynamic loader, no library", () => {
  const r = spawnSync("readelf", ["-l", "-d", "build/skiff"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Elf file type is DYN/); // a static PIE: ASLR kept
  assert.doesNotMatch(r.stdout, /INTERP|NEEDED/);
});

test("build/skiff-dynamic links libc only: libcurl, libcrypto and libarchive are opened when used", () => {
  const r = spawnSync("readelf", ["-d", "build/skiff-dynamic"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.match(/\(NEEDED\).*/g)?.map((l) => l.replace(/.*\[(.*)\]$/, "$1")), ["libc.so.6"]);
});
