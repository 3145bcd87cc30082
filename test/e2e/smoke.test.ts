// Smoke test: skiff starts a container from the busybox directory image, as
// root and as an unprivileged user, under both of its names.  The oracle
// cases check the test setup itself (images, user, harness) against
// Debian's ch-run, so a failure there is not skiff's fault.

import { describe, test, after } from "node:test";
import * as assert from "node:assert/strict";

import {
  AS_BOTH,
  IMG,
  chrun,
  cleanupScratch,
  describeResult,
  skiff,
  skiffChRun,
  userCopyOfImage,
} from "../lib/harness.js";

after(cleanupScratch);

describe("test setup (oracle: Debian ch-run)", () => {
  for (const as of AS_BOTH) {
    test(`ch-run IMG -- /bin/true as ${as}`, () => {
      const r = chrun([IMG, "--", "/bin/true"], { as });
      assert.equal(r.status, 0, describeResult(r));
    });

    test(`ch-run -w on a writable copy as ${as}`, () => {
      const img = userCopyOfImage(as);
      const r = chrun(["-w", img, "--", "/bin/sh", "-c", "echo x > /written && cat /written"], { as });
      assert.equal(r.status, 0, describeResult(r));
      assert.equal(r.stdout, "x\n");
    });
  }
});

describe("smoke", () => {
  for (const as of AS_BOTH) {
    test(`skiff run IMG -- /bin/true as ${as}`, () => {
      const r = skiff(["run", IMG, "--", "/bin/true"], { as });
      assert.equal(r.status, 0, describeResult(r));
    });

    test(`ch-run (skiff) IMG -- /bin/echo hi as ${as}`, () => {
      const r = skiffChRun([IMG, "--", "/bin/echo", "hi"], { as });
      assert.equal(r.status, 0, describeResult(r));
      assert.equal(r.stdout, "hi\n");
    });
  }
});
