// An image whose /var is a symlink to itself, so that the optional default
// bind /var/spool/slurmd can't be resolved (issue 10, item 6): ch-run runs
// it, skipping the bind; so does skiff, saying so at -v.

import { describe, test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH, cleanupScratch, chrun, describeResult, quietStorage, skiff, userCopyOfImage,
} from "../lib/harness.js";

after(cleanupScratch);

describe("an optional default bind behind a symlink loop", () => {
  for (const as of AS_BOTH)
    test(`is skipped, as ch-run skips it (as ${as})`, () => {
      const img = userCopyOfImage(as);
      fs.rmSync(`${img}/var`, { recursive: true, force: true });
      fs.symlinkSync("/var", `${img}/var`);
      const env = { CH_IMAGE_STORAGE: quietStorage() };
      const oracle = chrun([img, "--", "/bin/true"], { as, env });
      assert.equal(oracle.status, 0, "ch-run: " + describeResult(oracle));
      const r = skiff(["run", "-v", img, "--", "/bin/true"], { as, env });
      assert.equal(r.status, 0, describeResult(r));
      assert.match(r.stderr, /skipping optional bind: too many levels of symbolic links: \/var\/spool\/slurmd\n/,
                   describeResult(r));
      assert.doesNotMatch(r.stderr, /error:/, describeResult(r));
    });
});
