// Launching from a working directory that was deleted, or that we can no
// longer search (issue 10, item 10): ch-run runs, and the container starts
// in / as always; so must skiff, for SquashFS images as for directories.
// For root, "unsearchable" is a directory of an unmapped owner: in its
// user namespace root has no power over it.

import { describe, test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH, As, IMG, SKIFF, SQFS, cleanupScratch, describeResult, quietStorage, run, scratchDir,
} from "../lib/harness.js";

after(cleanupScratch);

/** A shell script that makes the working directory unusable, then runs
    skiff there on IMAGE. */
function launch(as: As, how: "deleted" | "unsearchable", image: string): ReturnType<typeof run> {
  const base = scratchDir(as, "cwd");
  const mnt = scratchDir(as, "mnt");
  const spoil = how === "deleted"
    ? "rmdir \"$1/here\""
    : as === "user" ? "chmod 0 \"$1/here\"" : "chown 65534:65534 \"$1/here\" && chmod 0700 \"$1/here\"";
  fs.mkdirSync(`${base}/here`);
  if (as === "user") run(["chown", "--reference", base, `${base}/here`]);
  const script = `cd "$1/here" && ${spoil} && exec "$2" run $3 "$4" -- /bin/sh -c 'pwd; echo "$PWD"'`;
  return run(["/bin/sh", "-c", script, "sh", base, SKIFF, image === SQFS ? "-m" + mnt : "", image],
             { as, env: { CH_IMAGE_STORAGE: quietStorage() }, timeoutMs: 20_000 });
}

describe("a working directory that can't be returned to", () => {
  for (const as of AS_BOTH)
    for (const how of ["deleted", "unsearchable"] as const)
      for (const [kind, image] of [["SquashFS", SQFS], ["directory", IMG]])
        test(`${how}, ${kind} image, as ${as}: runs in /`, () => {
          const r = launch(as, how, image);
          assert.equal(r.status, 0, describeResult(r));
          assert.equal(r.stdout, "/\n/\n", describeResult(r));
          assert.equal(r.stderr, "", describeResult(r));
        });
});
