// -v/--verbose and -q/--quiet (doc/container.md §4.8, §6.2): -v logs each step,
// -vv each mount with source, target and flags; -q silences the command's
// stdout, -qqq its stderr too.

import { describe, test } from "node:test";
import * as assert from "node:assert/strict";

import {
  AS_BOTH,
  As,
  IMG,
  RunOpts,
  RunResult,
  describeResult,
  quietStorage,
  skiff,
  skiffChRun,
} from "../lib/harness.js";

/** Run options with a storage directory, so no warning joins the logs. */
function quiet(as: As): RunOpts {
  return { as, env: { CH_IMAGE_STORAGE: quietStorage() } };
}

function ok(r: RunResult): RunResult {
  assert.equal(r.status, 0, describeResult(r));
  return r;
}

/** Log lines of PROG (skiff or ch-run), without the PROG[PID]: prefix. */
function logLines(stderr: string, prog = "skiff"): string[] {
  const re = new RegExp(`^${prog}\\[\\d+\\]: (.*)$`);
  return stderr.split("\n").filter((l) => l !== "").map((l) => {
    const m = re.exec(l);
    assert.ok(m, `not a ${prog} log line: ${l}`);
    return m![1];
  });
}

describe("verbosity", () => {
  for (const as of AS_BOTH) {
    test(`default: nothing on stderr, as ${as}`, () => {
      const r = ok(skiff(["run", IMG, "--", "echo", "hi"], quiet(as)));
      assert.equal(r.stdout, "hi\n");
      assert.equal(r.stderr, "");
    });

    test(`-v: the steps and executing:, no mount lines, as ${as}`, () => {
      const r = ok(skiff(["run", "-v", IMG, "--", "echo", "a b"], { as }));
      assert.equal(r.stdout, "a b\n");
      const lines = logLines(r.stderr);
      for (const want of ["verbosity: 1", `image: ${IMG}`, "creating container filesystem tree",
                          "pivoting into container", 'executing: echo "a b"'])
        assert.ok(lines.includes(want), `${JSON.stringify(want)} not in:\n${r.stderr}`);
      assert.equal(lines[lines.length - 1], 'executing: echo "a b"');
      assert.ok(!lines.some((l) => l.startsWith("mount:")), r.stderr);
    });

    test(`-vv: mount: lines with source, target and flags, as ${as}`, () => {
      const r = ok(skiff(["run", "-vv", IMG, "--", "true"], { as }));
      const mounts = logLines(r.stderr).filter((l) => l.startsWith("mount: "));
      for (const want of [
        `mount: ${IMG} -> ${IMG} flags MS_BIND|MS_REC|MS_PRIVATE`,
        `mount: /dev -> ${IMG}/dev flags MS_BIND|MS_REC|MS_RDONLY`,
        `mount: /proc -> ${IMG}/proc flags MS_BIND|MS_REC|MS_RDONLY`,
        `mount: /tmp -> ${IMG}/tmp flags MS_BIND|MS_REC`,
      ])
        assert.ok(mounts.includes(want), `${JSON.stringify(want)} not in:\n${mounts.join("\n")}`);
      const remount = new RegExp(`^mount: none -> ${IMG} flags .*MS_REMOUNT\\|MS_BIND\\|MS_RDONLY$`);
      assert.ok(mounts.some((l) => remount.test(l)), mounts.join("\n"));
      const passwd = /^mount: \S+\/dev\/ch-run_passwd -> \S+\/etc\/passwd flags MS_BIND\|MS_REC$/;
      assert.ok(mounts.some((l) => passwd.test(l)), mounts.join("\n"));
    });

    test(`-vv -W1m: the tmpfs and overlay mounts with their data, as ${as}`, () => {
      const r = ok(skiff(["run", "-vv", "-W1m", IMG, "--", "true"], { as }));
      const mounts = logLines(r.stderr).filter((l) => l.startsWith("mount: "));
      assert.ok(mounts.includes("mount: none -> /srv type tmpfs data size=1m"), mounts.join("\n"));
      assert.ok(mounts.some((l) => l.startsWith(`mount: weirdal -> /srv/merged type overlay data lowerdir=${IMG},`)),
                mounts.join("\n"));
    });

    test(`-v through the ch-run name logs as ch-run, as ${as}`, () => {
      const r = ok(skiffChRun(["-v", IMG, "--", "true"], { as }));
      assert.ok(logLines(r.stderr, "ch-run").includes("executing: true"), r.stderr);
    });

    test(`-q: the command's stdout is silenced, its stderr is not, as ${as}`, () => {
      const r = ok(skiff(["run", "-q", IMG, "--", "/bin/sh", "-c", "echo out; echo err >&2"], quiet(as)));
      assert.equal(r.stdout, "");
      assert.equal(r.stderr, "err\n");
    });

    test(`-qqq: stderr is silenced too, the exit status remains, as ${as}`, () => {
      const r = skiff(["run", "-qqq", IMG, "--", "/bin/sh", "-c", "echo out; echo err >&2; exit 3"], quiet(as));
      assert.equal(r.status, 3, describeResult(r));
      assert.equal(r.stdout, "");
      assert.equal(r.stderr, "");
    });

    test(`-q keeps skiff's own errors, as ${as}`, () => {
      const r = skiff(["run", "-q", "--cd", "/no/such/dir", IMG, "--", "true"], { as });
      assert.equal(r.status, 31, describeResult(r));
      assert.match(r.stderr, /error: can't cd to \/no\/such\/dir/);
    });
  }
});
