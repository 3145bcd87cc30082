// Environment input without end (issue 10, item 8): --set-env of /dev/zero or
// /dev/urandom, or an image whose /ch/environment links to them, stops at
// once with one error line (the first bad record, or the size cap);
// pipes still work, up to the cap.

import { after, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import { AS_BOTH, As, IMG, RunResult, SKIFF, cleanupScratch, describeResult, run, skiff, userCopyOfImage }
  from "../lib/harness.js";

after(cleanupScratch);

/** Time enough on a loaded machine; without a cap these never end. */
const BOUND_MS = 60_000;

function failsWith(r: RunResult, pattern: RegExp): void {
  assert.equal(r.status, 31, describeResult(r));
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  assert.equal(lines.length, 1, describeResult(r));
  assert.match(lines[0], pattern);
}

const CAP = /error: can't read: (\S+) \(hint: stopped after 6 MiB: .*\)$/;
const BAD_RECORD = /error: can't parse variable: (no delimiter|empty name): \/dev\/urandom:\d+$/;

/** A copy of IMG whose /ch/environment is a symlink to target. */
function imageWithEnvironment(as: As, target: string): string {
  const img = userCopyOfImage(as);
  fs.mkdirSync(`${img}/ch`, { recursive: true });
  fs.rmSync(`${img}/ch/environment`, { force: true });
  fs.symlinkSync(target, `${img}/ch/environment`);
  return img;
}

describe("environment input without end", () => {
  for (const as of AS_BOTH) {
    for (const opt of ["--set-env", "--set-env0"]) {
      test(`${opt}=/dev/zero: can't read, at the cap, as ${as}`, () => {
        const r = skiff(["run", `${opt}=/dev/zero`, IMG, "--", "true"], { as, timeoutMs: BOUND_MS });
        failsWith(r, CAP);
      });

      test(`${opt}=/dev/urandom: its first bad record, as ${as}`, () => {
        const r = skiff(["run", `${opt}=/dev/urandom`, IMG, "--", "true"], { as, timeoutMs: BOUND_MS });
        failsWith(r, BAD_RECORD);
      });

      for (const target of ["/dev/zero", "/dev/urandom"]) {
        test(`bare ${opt}, /ch/environment -> ${target}: stops, as ${as}`, () => {
          const img = imageWithEnvironment(as, target);
          const r = skiff(["run", opt, img, "--", "true"], { as, timeoutMs: BOUND_MS });
          failsWith(r, target === "/dev/zero" ? CAP : /error: can't parse variable: (no delimiter|empty name): \/ch\/environment:\d+$/);
        });
      }
    }

    test(`a pipe and <(...) still work, up to the cap, and past it fail, as ${as}`, () => {
      const sh = (script: string): RunResult =>
        run(["/bin/bash", "-c", script, "bash", SKIFF, IMG], { as, timeoutMs: BOUND_MS });
      const vars = "seq 0 19999 | sed 's/.*/V&=&/'";
      const show = '/bin/sh -c \'echo "$V0 $V19999"\'';
      let r = sh(`${vars} | "$1" run --set-env=/dev/stdin "$2" -- ${show}`);
      assert.equal(r.stdout, "0 19999\n", describeResult(r));
      r = sh(`"$1" run --set-env=<(${vars}) "$2" -- ${show}`);
      assert.equal(r.stdout, "0 19999\n", describeResult(r));
      r = sh(`yes A=1 | "$1" run --set-env=/dev/stdin "$2" -- true`);
      failsWith(r, CAP);
      assert.equal(CAP.exec(r.stderr.trim())![1], "/dev/stdin");
    });
  }
});
