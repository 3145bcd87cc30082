// skiff's messages are best effort: a standard error that is full, closed or
// a pipe whose reader has gone neither stops skiff nor changes its exit
// status, and SIGPIPE can't kill it before the exec. The command gets fds
// and SIGPIPE as skiff got them.

import { after, describe, test } from "node:test";
import * as assert from "node:assert/strict";

import { AS_BOTH, As, IMG, RunResult, SKIFF, SQFS, cleanupScratch, describeResult, run, scratchDir }
  from "../lib/harness.js";

after(cleanupScratch);

/** Run skiff with ARGS through bash, SETUP (bash) run first: it may point
    fd 2 elsewhere. Prints the command's output, then `status=N`. */
function skiffAfter(as: As, setup: string, args: string[]): RunResult {
  const script = `${setup}\n"$@"\necho "status=$?"`;
  return run(["/bin/bash", "-c", script, "bash", SKIFF, "run", ...args], { as });
}

/** bash that makes fd 2 the write end of a pipe with no reader, in DIR: a
    FIFO opened read-write, then write-only, then the first closed. */
function brokenPipe(dir: string): string {
  return `mkfifo ${dir}/fifo && exec 3<>${dir}/fifo 2>${dir}/fifo 3<&-`;
}

/** The command's SIGPIPE disposition, as /proc/self/status shows it. */
const SIGPIPE_STATE = 'ign=$(sed -n "s/^SigIgn:\\t//p" /proc/self/status); '
  + 'if [ $((0x$ign & 0x1000)) -ne 0 ]; then echo sigpipe=ignored; else echo sigpipe=default; fi';

describe("standard error", () => {
  for (const as of AS_BOTH) {
    for (const img of [IMG, SQFS]) {
      const kind = img === IMG ? "directory" : "SquashFS";

      test(`-v with 2>/dev/full: the command runs, its status kept (${kind}, as ${as})`, () => {
        const r = skiffAfter(as, "exec 2>/dev/full", ["-v", img, "--", "/bin/sh", "-c", "echo ran; exit 3"]);
        assert.equal(r.stdout, "ran\nstatus=3\n", describeResult(r));
      });

      test(`-vv into a pipe nobody reads: not killed by SIGPIPE, and the command gets SIGPIPE at its default (${kind}, as ${as})`, () => {
        const r = skiffAfter(as, brokenPipe(scratchDir(as, "fifo")), ["-vv", img, "--", "/bin/sh", "-c", SIGPIPE_STATE]);
        assert.equal(r.stdout, "sigpipe=default\nstatus=0\n", describeResult(r));
      });

      test(`SIGPIPE ignored by skiff's parent stays ignored for the command (${kind}, as ${as})`, () => {
        const r = skiffAfter(as, "trap '' PIPE", [img, "--", "/bin/sh", "-c", SIGPIPE_STATE]);
        assert.equal(r.stdout, "sigpipe=ignored\nstatus=0\n", describeResult(r));
      });
    }

    test(`--join: -vv into a pipe nobody reads, the command gets SIGPIPE at its default, as ${as}`, () => {
      const join = ["--join-ct=1", `--join-tag=stderr-${process.pid}-${as}`];
      const r = skiffAfter(as, brokenPipe(scratchDir(as, "fifo")), ["-vv", ...join, IMG, "--", "/bin/sh", "-c", SIGPIPE_STATE]);
      assert.equal(r.stdout, "sigpipe=default\nstatus=0\n", describeResult(r));
    });

    test(`a missing command with 2>&- still gives 49, as ${as}`, () => {
      const r = skiffAfter(as, "exec 2>&-", [IMG, "--", "/nonexistent"]);
      assert.equal(r.stdout, "status=49\n", describeResult(r));
    });

    test(`-v with 2>&-: skiff runs, and the command finds fd 2 closed as skiff did, as ${as}`, () => {
      const r = skiffAfter(as, "exec 2>&-", ["-v", IMG, "--", "/bin/sh", "-c",
                                              "if [ -e /proc/self/fd/2 ]; then echo open; else echo closed; fi"]);
      assert.equal(r.stdout, "closed\nstatus=0\n", describeResult(r));
    });
  }
});
