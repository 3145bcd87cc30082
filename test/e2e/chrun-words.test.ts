// ch-run's words (issue 10, item 7): where ch-run has a message, skiff prints
// its text unchanged first and its own hint after, so that greps written for
// ch-run (Charliecloud's test suite, users' scripts) keep matching. Each
// expectation below is the text of upstream ch-run's bin/ sources.

import { after, describe, test } from "node:test";
import * as assert from "node:assert/strict";

import { AS_BOTH, IMG, SQFS, cleanupScratch, describeResult, getent, quietStorage, skiff } from "../lib/harness.js";

after(cleanupScratch);

/** A line of stderr that is PROG[PID]: error: WORDS, then a hint or nothing. */
function errorLine(words: string): RegExp {
  const quoted = words.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(`^skiff\\[\\d+\\]: error: ${quoted}( \\(hint: [^\\n]+\\))?$`, "m");
}

/** An ID no host user or group has. */
function unusedId(): number {
  for (let id = 54321; ; id++) if (!getent("passwd", id) && !getent("group", id)) return id;
}

describe("ch-run's words, then skiff's hint", () => {
  for (const as of AS_BOTH) {
    const env = { CH_IMAGE_STORAGE: quietStorage() };
    const cases: Array<[string, string[], Record<string, string>, string]> = [
      ["--join, no size anywhere", ["--join", IMG, "--", "true"], {}, "join: no valid peer group size found"],
      ["--join-ct=0", ["--join-ct=0", IMG, "--", "true"], {}, "join: no valid peer group size found"],
      ["SLURM_CPUS_ON_NODE=-1", ["--join", IMG, "--", "true"], { SLURM_CPUS_ON_NODE: "-1" },
       "join: no valid peer group size found"],
      ["SLURM_CPUS_ON_NODE=a", ["--join", IMG, "--", "true"], { SLURM_CPUS_ON_NODE: "a" },
       "SLURM_CPUS_ON_NODE: no digits found"],
      ["--join-tag=", ["--join-ct=2", "--join-tag=", IMG, "--", "true"], {},
       "join: peer group tag cannot be empty string"],
      ["SLURM_STEP_ID=", ["--join-ct=2", IMG, "--", "true"], { SLURM_STEP_ID: "" },
       "join: peer group tag cannot be empty string"],
      ["--join-ct=x", ["--join-ct=x", IMG, "--", "true"], {}, "--join-ct: no digits found"],
      ["--uid=12x", ["--uid=12x", IMG, "--", "true"], {}, "--uid: extra characters after digits"],
      ["--gid=-5", ["--gid=-5", IMG, "--", "true"], {}, "--gid: must be non-negative"],
      ["--uid=99999999999", ["--uid=99999999999", IMG, "--", "true"], {}, "--uid: out of range"],
      ["-W with a bad size", ["--write-fake=lots", IMG, "--", "true"], {},
       "cannot mount tmpfs for overlay: Invalid argument"],
    ];
    for (const [name, args, extra, words] of cases) {
      test(`${name}: ${words}, as ${as}`, () => {
        const r = skiff(["run", ...args], { as, env: { ...env, ...extra } });
        assert.equal(r.status, 31, describeResult(r));
        assert.match(r.stderr, errorLine(words));
      });
    }

    test(`-b SRC:/.. : can't bind: DST not subdirectory of NEWROOT, as ${as}`, () => {
      const r = skiff(["run", "-b", "/tmp:/..", IMG, "--", "true"], { as, env });
      assert.equal(r.status, 31, describeResult(r));
      assert.match(r.stderr, /^skiff\[\d+\]: error: can't bind: \/\S* not subdirectory of \/\S+ \(hint: [^\n]+\)$/m);
    });

    for (const img of [IMG, SQFS]) {
      test(`an ID with no host entry: UID/GID N not found; using dummy info, at -v (${img === IMG ? "directory" : "SquashFS"}), as ${as}`, () => {
        const id = unusedId();
        const r = skiff(["run", "-v", `--uid=${id}`, `--gid=${id}`, img, "--", "true"], { as, env });
        assert.equal(r.status, 0, describeResult(r));
        assert.match(r.stderr, new RegExp(`^skiff\\[\\d+\\]: UID ${id} not found; using dummy info$`, "m"));
        assert.match(r.stderr, new RegExp(`^skiff\\[\\d+\\]: GID ${id} not found; using dummy info$`, "m"));
        const quiet = skiff(["run", `--uid=${id}`, img, "--", "true"], { as, env });
        assert.doesNotMatch(quiet.stderr, /dummy info/);
      });
    }
  }
});
