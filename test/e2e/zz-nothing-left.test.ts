// Runs last among the e2e files (they run one at a time, in name order):
// whatever the suite did, it must have left no join IPC objects in
// /dev/shm, no FUSE mount and no SquashFS server process behind.

import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import { devShmEntries, fuseMounts, processesNamed } from "../lib/harness.js";

// scripts/test.sh exports when this run began, so leftovers of an earlier,
// interrupted run on a developer's machine don't count against this one.
const since = Number(process.env.SKIFF_TEST_RUN_START || "0") * 1000;

test("/dev/shm holds no join semaphore or segment made during the suite", () => {
  const left = devShmEntries(/ch-run_(sem|shm)-/)
    .filter((n) => fs.statSync(`/dev/shm/${n}`).mtimeMs >= since);
  assert.deepEqual(left, []);
});

test("no FUSE mount and no skiff-squashd or squashfuse_ll process is left", () => {
  assert.deepEqual(fuseMounts(), []);
  // A zombie handed to init (after a test SIGKILLs a supervisor) holds
  // nothing; reaping it is init's business, however slow.
  const initsZombie = (pid: number): boolean => {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
      return /^State:\s+Z/m.test(status) && /^PPid:\s+1$/m.test(status);
    } catch {
      return true; // gone meanwhile
    }
  };
  for (const server of ["skiff-squashd", "squashfuse_ll"])
    assert.deepEqual(processesNamed(server).filter((p) => !initsZombie(p.pid)), []);
});

test("no registry server of the pull tests is left (docker-registry, the token server, the fake registry)", () => {
  const root = process.env.SKIFF_TEST_ROOT || "/var/tmp/skiff-test";
  const ours = (p: { cmdline: string[] }) => p.cmdline.some((a) => a.startsWith(`${root}/registry/`)
                                                             || /test\/setup\/(token-server|fake-registry)\.mjs$/.test(a));
  assert.deepEqual(processesNamed("docker-registry").concat(processesNamed("node")).filter(ours), []);
});
