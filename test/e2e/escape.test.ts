// Escape checks, as Charliecloud's test/chtest/ (issue 10): in the
// container, as root and as the user, as the container's root (--uid 0)
// and not, each thing a container must not do to its host is refused by
// the kernel. Each check is first run on the host as root, where it must
// succeed ("ESCAPED"): so every check is seen able to fail.
//
// Run by root, the container's processes are root's own (uid 0 outside
// too) and may do what root's plain processes may: signal root's
// processes, and write root's files in /proc and /sys, which are bound
// read-write, as ch-run binds them (ch-run passes MS_RDONLY to a fresh
// bind, where the kernel ignores it). There skiff must do as ch-run does.

import { describe, test, after } from "node:test";
import * as assert from "node:assert/strict";

import {
  AS_BOTH, IMG_DIR, IMG_ESCAPE, chrun, cleanupScratch, describeResult, quietStorage, run, scratchDir, skiff,
} from "../lib/harness.js";

after(cleanupScratch);

/** A path on the host that is not in the image. */
const HOST_ONLY = `${IMG_DIR}/.stamp`;

/** Check name → its argument in the container, and on the host. */
/** What root's own processes may do anyway (see above). */
const ROOTS_OWN = ["signal", "proc", "sys"];

const CHECKS: Array<[string, string[], () => string[]]> = [
  ["chroot", [HOST_ONLY], () => [HOST_ONLY]],
  ["mknod", ["/tmp"], () => [scratchDir("root", "mknod")]],
  ["setuid", [], () => []],
  ["setgroups", [], () => []],
  ["signal", [], () => []],
  ["bind", [], () => []],
  ["proc", [], () => []],
  ["sys", [], () => []],
];

describe("escape checks on the host, as root: each escapes (the checks can fail)", () => {
  for (const [check, , hostArgs] of CHECKS)
    test(check, () => {
      const r = run([`${IMG_ESCAPE}/escape`, check, ...hostArgs()]);
      assert.equal(r.status, 1, describeResult(r));
      assert.match(r.stdout, /^ESCAPED: /, describeResult(r));
    });
});

describe("escape checks in the container: each is refused", () => {
  for (const as of AS_BOTH)
    for (const ids of [[], ["--uid=0", "--gid=0"]])
      for (const [check, args] of CHECKS)
        test(`${check}, as ${as}${ids.length ? ", container root" : ""}`, () => {
          const argv = [...ids, IMG_ESCAPE, "--", "/escape", check, ...args];
          const opts = { as, env: { CH_IMAGE_STORAGE: quietStorage() } };
          const r = skiff(["run", ...argv], opts);
          if (as === "root" && ROOTS_OWN.includes(check)) {
            const oracle = chrun(argv, opts);
            assert.equal(r.status, oracle.status, "ch-run: " + describeResult(oracle) + "\nskiff: " + describeResult(r));
            return;
          }
          assert.equal(r.status, 0, describeResult(r));
          assert.match(r.stdout, /^SAFE: /, describeResult(r));
        });
});
