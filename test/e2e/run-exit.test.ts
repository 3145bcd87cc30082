// Exit status pass-through: skiff execs the command (same PID, nothing of
// skiff left), so its exit status and death by signal reach the caller
// unchanged; a command that can't be executed gives 49.

import { describe, test } from "node:test";
import * as assert from "node:assert/strict";

import { AS_BOTH, IMG, RunResult, describeResult, quietStorage, skiff, skiffChRun, skiffSh } from "../lib/harness.js";

function execFailed(r: RunResult, command: string, strerror: string): void {
  assert.equal(r.status, 49, describeResult(r));
  assert.equal(r.stdout, "");
  const errors = r.stderr.split("\n").filter((l) => / error: /.test(l));
  assert.equal(errors.length, 1, describeResult(r));
  assert.ok(errors[0].includes(`can't execvpe(3): ${command}: ${strerror}`), errors[0]);
}

describe("exit status", () => {
  for (const as of AS_BOTH) {
    test(`exit 0, as ${as}`, () => {
      const r = skiffSh(IMG, "exit 0", [], { as, env: { CH_IMAGE_STORAGE: quietStorage() } });
      assert.equal(r.status, 0, describeResult(r));
      assert.equal(r.stderr, "");
    });

    for (const code of [1, 7, 31, 49, 64, 255]) {
      test(`exit ${code} gives ${code}, as ${as}`, () => {
        const r = skiffSh(IMG, `exit ${code}`, [], { as });
        assert.equal(r.status, code, describeResult(r));
        assert.equal(r.signal, null);
      });
    }

    test(`a command's status without a shell (/fixtures/exit-with 42), as ${as}`, () => {
      const r = skiff(["run", IMG, "--", "/fixtures/exit-with", "42"], { as });
      assert.equal(r.status, 42, describeResult(r));
    });

    test(`through the ch-run name, as ${as}`, () => {
      const r = skiffChRun([IMG, "--", "/bin/sh", "-c", "exit 7"], { as });
      assert.equal(r.status, 7, describeResult(r));
    });

    for (const sig of ["TERM", "KILL", "INT", "USR1"]) {
      test(`kill -${sig} $$: the caller sees SIG${sig} itself (skiff exec'd), as ${as}`, () => {
        const r = skiffSh(IMG, `kill -${sig} $$`, [], { as });
        assert.equal(r.status, null, describeResult(r));
        assert.equal(r.signal, `SIG${sig}`, describeResult(r));
      });
    }

    test(`the command has skiff's PID (exec, no fork), as ${as}`, () => {
      // the shell's parent is the test runner (setpriv execs too), not a
      // skiff process left waiting
      const r = skiffSh(IMG, 'echo "$PPID"', [], { as });
      assert.equal(r.status, 0, describeResult(r));
      assert.equal(r.stdout, `${process.pid}\n`);
    });

    test(`a missing command gives 49, can't execvpe(3): NAME, as ${as}`, () => {
      execFailed(skiff(["run", IMG, "--", "skiff-no-such-command", "arg"], { as }),
                 "skiff-no-such-command", "No such file or directory");
    });

    test(`a missing absolute path gives 49, as ${as}`, () => {
      execFailed(skiff(["run", IMG, "--", "/no/such/cmd"], { as }), "/no/such/cmd", "No such file or directory");
    });

    test(`a host-only command is not found (the container's PATH), as ${as}`, () => {
      // node exists on the host, not in the image
      execFailed(skiff(["run", IMG, "--", "node", "-e", "0"], { as }), "node", "No such file or directory");
    });

    test(`a non-executable file gives 49, as ${as}`, () => {
      execFailed(skiff(["run", IMG, "--", "/fixtures/file"], { as }), "/fixtures/file", "Permission denied");
    });

    test(`a directory gives 49, as ${as}`, () => {
      execFailed(skiff(["run", IMG, "--", "/etc"], { as }), "/etc", "Permission denied");
    });

    test(`a missing command through the ch-run name gives 49, as ${as}`, () => {
      const r = skiffChRun([IMG, "--", "skiff-no-such-command"], { as });
      execFailed(r, "skiff-no-such-command", "No such file or directory");
      assert.match(r.stderr, /^ch-run\[\d+\]: error: /m);
    });
  }
});
