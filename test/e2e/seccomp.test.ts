// --seccomp root emulation through the real binary.

import { describe, test, after } from "node:test";
import * as assert from "node:assert/strict";

import { AS_BOTH, IMG, cleanupScratch, describeResult, skiffSh } from "../lib/harness.js";

after(cleanupScratch);

describe("--seccomp", () => {
  for (const as of AS_BOTH) {
    test(`chown and device mknod "succeed" without effect; FIFOs are real (${as})`, () => {
      const r = skiffSh(IMG, "chown 0:0 /bin/busybox && echo chown-ok; "
        + "mknod /dev2 c 1 3 && echo mknod-ok; test -e /dev2 || echo no-dev2; "
        + "mkfifo /fifo && test -p /fifo && echo fifo-real", ["--seccomp", "-W"], { as });
      assert.equal(r.status, 0, describeResult(r));
      assert.equal(r.stdout, "chown-ok\nmknod-ok\nno-dev2\nfifo-real\n");
    });

    test(`without --seccomp chown fails (${as})`, () => {
      const r = skiffSh(IMG, "chown 12345 /bin/busybox", ["-W"], { as });
      assert.notEqual(r.status, 0, describeResult(r));
    });
  }
});
