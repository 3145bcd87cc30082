// An image by name runs what its storage directory holds (issue 10, item
// 3): when another user could change it, skiff says so, and who.

import { describe, test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH, IMG, TEST_USER2, cleanupScratch, describeResult, run, scratchDir, skiff, userInfo,
} from "../lib/harness.js";

after(cleanupScratch);

describe("an image by name from another user's storage directory", () => {
  for (const as of AS_BOTH)
    test(`runs, with a warning naming the owner (as ${as})`, () => {
      const storage = scratchDir("root", "storage");
      fs.mkdirSync(`${storage}/img`);
      assert.equal(run(["cp", "-a", "--", IMG, `${storage}/img/busybox`]).status, 0);
      const other = userInfo(TEST_USER2);
      fs.chownSync(storage, other.uid, other.gid);
      const r = skiff(["run", "-s", storage, "busybox", "--", "/bin/true"], { as });
      assert.equal(r.status, 0, describeResult(r));
      assert.match(r.stderr, new RegExp(`warning: image busybox is in a directory another user can change: ${storage} `
                                        + `is owned by ${TEST_USER2} \\(uid ${other.uid}\\)`), describeResult(r));
    });

  test("root's or our own: no warning", () => {
    const storage = scratchDir("root", "storage");
    fs.mkdirSync(`${storage}/img`);
    assert.equal(run(["cp", "-a", "--", IMG, `${storage}/img/busybox`]).status, 0);
    for (const as of AS_BOTH) {
      const r = skiff(["run", "-s", storage, "busybox", "--", "/bin/true"], { as });
      assert.equal(r.status, 0, describeResult(r));
      assert.equal(r.stderr, "", describeResult(r));
    }
  });
});
