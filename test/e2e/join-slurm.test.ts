// --join under real launchers (issue 5): Slurm's srun and Open MPI's mpirun
// start skiff once per rank, and --join puts a node's ranks in one
// container, which Open MPI's shared-memory transport needs for its
// single-copy path (cross-memory attach, process_vm_readv(2)). Uses the
// single-node Slurm cluster of test/setup/slurm.sh and the MPI image and
// ring-exchange program of test/setup/mpi.sh (test/mpi/cma.c).

import { before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH,
  As,
  IMG,
  IMG_DIR,
  TEST_ROOT,
  RunResult,
  SKIFF,
  describeResult,
  devShmEntries,
  run,
} from "../lib/harness.js";

const MPI_IMG = `${IMG_DIR}/mpi`;
const NS_SCRIPT = "echo $(readlink /proc/self/ns/user) $(readlink /proc/self/ns/mnt) $SLURM_JOB_ID.$SLURM_STEP_ID";
/** Open MPI's shared-memory transport only, and single copy by CMA. */
const CMA_MCA = ["--mca", "btl", "self,vader", "--mca", "btl_vader_single_copy_mechanism", "cma"];
const CMA_ENV = { OMPI_MCA_btl: "self,vader", OMPI_MCA_btl_vader_single_copy_mechanism: "cma" };
/** What Open MPI 4.1 says when the ranks are in separate containers. */
const CMA_ERROR = new RegExp(["ERROR: Linux kernel CMA support was requested via the",
  "btl_vader_single_copy_mechanism MCA variable, but CMA support is",
  "not available due to different user namespaces\\."].join("\\s+"));
/**
 * Open MPI 4.1.4's mpirun often loses the ranks' help text in transit
 * (ORTE_ERROR_LOG "Data unpack would read past end of buffer" in show_help.c,
 * seen without skiff too): then this error stands for the text.
 */
const HELP_LOST = /ORTE_ERROR_LOG: Data unpack would read past end of buffer in file \S*show_help\.c/;
/** Printed by each rank itself (not through mpirun) when vader gives up. */
const VADER_ABORT = /\*\*\* The Open MPI vader BTL is aborting the MPI job/;
const CMA_WARNING = new RegExp(["WARNING: The default btl_vader_single_copy_mechanism CMA is",
  "not available due to different user namespaces\\.",
  "The vader shared memory BTL will fall back on another single-copy", "mechanism if one is available\\."].join("\\s+"));

/** The job failed because CMA was refused, not for some other reason. */
function assertCmaRefused(r: RunResult): void {
  assert.notEqual(r.status, 0, describeResult(r));
  const out = r.stdout + r.stderr;
  assert.match(out, new RegExp(CMA_ERROR.source + "|" + HELP_LOST.source));
  assert.match(out, VADER_ABORT);
  assert.doesNotMatch(r.stdout, /ok/);
}

function setup(script: string, args: string[] = []): void {
  const path = `${process.cwd()}/test/setup/${script}`;
  assert.ok(fs.existsSync(path), `${path} not found: run the tests from the repository (scripts/test.sh)`);
  // root's PATH: the scripts use chroot, slurmctld, ...
  const r = run(["bash", path, ...args],
                { timeoutMs: 600_000,
                  env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", SKIFF_TEST_ROOT: TEST_ROOT } });
  assert.equal(r.status, 0, `${script} ${args.join(" ")}: ${describeResult(r)}`);
}

before(() => {
  setup("slurm.sh", ["start"]);
  setup("mpi.sh");
});

function srun(as: As, args: string[], env: Record<string, string> = {}): RunResult {
  return run(["srun", "-n", "4", ...args], { as, env, timeoutMs: 120_000 });
}

function mpirun(as: As, args: string[]): RunResult {
  return run(["mpirun", "-np", "4", "--oversubscribe", ...(as === "root" ? ["--allow-run-as-root"] : []), ...args],
             { as, timeoutMs: 120_000 });
}

/** The peer groups' IPC objects: all of ours, whatever the tag. */
function joinIpc(tag: string): string[] {
  return devShmEntries(new RegExp(`^(sem\\.)?ch-run_(sem|shm)-${tag.replace(/\./g, "\\.")}$`));
}

function lines(r: RunResult): string[] {
  return r.stdout.split("\n").filter((l) => l !== "").sort();
}

for (const as of AS_BOTH) {
  describe(`srun as ${as}`, () => {
    test("srun -n 4 skiff run --join: one user and one mount namespace; IPC objects gone", () => {
      const r = srun(as, [SKIFF, "run", "--join", IMG, "--", "/bin/sh", "-c", NS_SCRIPT]);
      assert.equal(r.status, 0, describeResult(r));
      const out = lines(r);
      assert.equal(out.length, 4, describeResult(r));
      assert.match(out[0], /^user:\[\d+\] mnt:\[\d+\] \d+\.\d+$/);
      assert.deepEqual(out, [out[0], out[0], out[0], out[0]]);
      assert.notEqual(out[0].split(" ")[0], fs.readlinkSync("/proc/self/ns/user"));
      assert.deepEqual(joinIpc(out[0].split(" ")[2]), []);
    });

    test("srun -n 4 skiff run without --join: four containers", () => {
      const r = srun(as, [SKIFF, "run", IMG, "--", "/bin/sh", "-c", NS_SCRIPT + "; sleep 1"]);
      assert.equal(r.status, 0, describeResult(r));
      const users = lines(r).map((l) => l.split(" ")[0]);
      const mnts = lines(r).map((l) => l.split(" ")[1]);
      assert.equal(new Set(users).size, 4, describeResult(r));
      assert.equal(new Set(mnts).size, 4, describeResult(r));
    });
  });

  describe(`Open MPI, cross-memory attach, as ${as}`, () => {
    const cma = [SKIFF, "run", "--join", MPI_IMG, "--", "/mpi/cma"];

    test("mpirun -np 4 skiff run --join: ranks exchange 4 MiB messages by CMA", () => {
      const r = mpirun(as, [...CMA_MCA, ...cma]);
      assert.equal(r.status, 0, describeResult(r));
      assert.deepEqual(lines(r), ["rank 0 of 4 ok", "rank 1 of 4 ok", "rank 2 of 4 ok", "rank 3 of 4 ok"]);
    });

    test("srun --mpi=pmix -n 4 skiff run --join: the same, launched by Slurm", () => {
      const r = srun(as, ["--mpi=pmix", ...cma], CMA_ENV);
      assert.equal(r.status, 0, describeResult(r));
      assert.deepEqual(lines(r), ["rank 0 of 4 ok", "rank 1 of 4 ok", "rank 2 of 4 ok", "rank 3 of 4 ok"]);
    });

    // What users see without --join (for the documentation).
    test("without --join, CMA fails: separate containers are different user namespaces (mpirun)", () => {
      assertCmaRefused(mpirun(as, [...CMA_MCA, SKIFF, "run", MPI_IMG, "--", "/mpi/cma"]));
    });

    test("without --join, CMA fails (srun)", () => {
      assertCmaRefused(srun(as, ["--mpi=pmix", SKIFF, "run", MPI_IMG, "--", "/mpi/cma"], CMA_ENV));
    });

    test("without --join and no single-copy choice, Open MPI warns and falls back", () => {
      // 1 MiB messages: with 4 MiB this fallback hangs (Open MPI 4.1.4).
      const r = mpirun(as, ["--mca", "btl", "self,vader", "--mca", "orte_base_help_aggregate", "0",
                            SKIFF, "run", MPI_IMG, "--", "/mpi/cma", "1048576", "2"]);
      assert.equal(r.status, 0, describeResult(r));
      assert.match(r.stdout + r.stderr, new RegExp(CMA_WARNING.source + "|" + HELP_LOST.source));
      assert.equal(lines(r).filter((l) => /^rank \d of 4 ok$/.test(l)).length, 4, describeResult(r));
    });
  });
}
