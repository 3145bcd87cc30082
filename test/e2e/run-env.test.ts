// The command's environment and working directory: the host environment
// passes through with ch-run's default tweaks (HOME, PATH gains /bin,
// TMPDIR unset, CH_RUNNING), PWD is the real cwd, and --cd.

import { describe, test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH,
  IMG,
  RunResult,
  cleanupScratch,
  defaultEnv,
  describeResult,
  skiff,
  skiffChRun,
  skiffSh,
  userCopyOfImage,
  ok,
} from "../lib/harness.js";

after(cleanupScratch);


/** The environment env(1) sees when skiff execs it directly (no shell to
    add variables of its own), as a name → value record. */
function envInside(r: RunResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of ok(r).split("\n")) {
    if (line === "") continue;
    const eq = line.indexOf("=");
    assert.ok(eq > 0, `not NAME=VALUE: ${line}`);
    assert.ok(!(line.slice(0, eq) in out), `${line.slice(0, eq)} twice`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

describe("environment", () => {
  for (const as of AS_BOTH) {
    test(`host variables pass through, with exactly the default tweaks, as ${as}`, () => {
      const extra = { FOO: "bar", WITH_SPACES: "a b  c", LD_LIBRARY_PATH: "/opt/lib", TMPDIR: "/tmp",
                      PWD: "/somewhere/on/the/host", OLDPWD: "/elsewhere" };
      const got = envInside(skiff(["run", IMG, "--", "/bin/env"], { as, env: extra }));
      const want: Record<string, string> = { ...defaultEnv(as), ...extra };
      delete want.TMPDIR;
      want.HOME = "/root";
      want.PWD = "/";
      want.CH_RUNNING = "Weird Al Yankovic";
      assert.deepEqual(got, want);
    });

    test(`HOME=/root when the image has /root, whatever the host's HOME, as ${as}`, () => {
      const r = skiff(["run", IMG, "--", "/bin/sh", "-c", 'echo "$HOME"'], { as, env: { HOME: "/host/home" } });
      assert.equal(ok(r), "/root\n");
    });

    test(`HOME=/root even with HOME unset on the host, as ${as}`, () => {
      const r = skiff(["run", IMG, "--", "/bin/sh", "-c", 'echo "$HOME"'], { as, env: { HOME: undefined } });
      assert.equal(ok(r), "/root\n");
    });

    test(`HOME=/ when the image has no /root, as ${as}`, () => {
      const img = userCopyOfImage(as);
      fs.rmSync(`${img}/root`, { recursive: true });
      assert.equal(ok(skiffSh(img, 'echo "$HOME"', [], { as })), "/\n");
    });

    for (const [path, want] of [
      ["/usr/bin", "/usr/bin:/bin"],
      ["/bin:/usr/bin", "/bin:/usr/bin"],
      ["/usr/local/bin:/usr/bin:/bin", "/usr/local/bin:/usr/bin:/bin"],
      ["/usr/bin:/bin/x", "/usr/bin:/bin/x"], // a substring test, as ch-run's
      ["/binx:/usr/bin", "/binx:/usr/bin"],
      ["/opt/x:/usr/sbin", "/opt/x:/usr/sbin:/bin"],
      ["", ":/bin"],
    ]) {
      test(`PATH=${JSON.stringify(path)} becomes ${JSON.stringify(want)}, as ${as}`, () => {
        const got = envInside(skiff(["run", IMG, "--", "/bin/env"], { as, env: { PATH: path } }));
        assert.equal(got.PATH, want);
      });
    }

    test(`PATH=/usr/bin: the command is found through the added /bin, as ${as}`, () => {
      // busybox's applets live in the image's /bin only
      const r = skiff(["run", IMG, "--", "true"], { as, env: { PATH: "/usr/bin" } });
      assert.equal(r.status, 0, describeResult(r));
    });

    test(`the command is looked up in the container's PATH, not the host's, as ${as}`, () => {
      // /fixtures holds exit-with; the host has no /fixtures
      const r = skiff(["run", IMG, "--", "exit-with", "5"], { as, env: { PATH: "/fixtures" } });
      assert.equal(r.status, 5, describeResult(r));
    });

    test(`PATH unset: a warning, PATH stays unset, as ${as}`, () => {
      const r = skiff(["run", IMG, "--", "/bin/env"], { as, env: { PATH: undefined } });
      const got = envInside(r);
      assert.ok(!("PATH" in got), JSON.stringify(got));
      assert.match(r.stderr, /warning: \$PATH not set/);
    });

    test(`TMPDIR is unset, also with --private-tmp, as ${as}`, () => {
      for (const opts of [[], ["-t"]]) {
        const got = envInside(skiff(["run", ...opts, IMG, "--", "/bin/env"], { as, env: { TMPDIR: "/tmp" } }));
        assert.ok(!("TMPDIR" in got), JSON.stringify(got));
      }
    });

    test(`CH_RUNNING is set, even if the host set it otherwise, as ${as}`, () => {
      const got = envInside(skiff(["run", IMG, "--", "/bin/env"], { as, env: { CH_RUNNING: "no" } }));
      assert.equal(got.CH_RUNNING, "Weird Al Yankovic");
    });
  }
});

describe("working directory", () => {
  for (const as of AS_BOTH) {
    test(`default: / whatever the caller's cwd, and PWD says so, as ${as}`, () => {
      const r = skiff(["run", IMG, "--", "/bin/sh", "-c", 'pwd; echo "$PWD"'],
                      { as, cwd: "/tmp", env: { PWD: "/tmp" } });
      assert.equal(ok(r), "/\n/\n");
    });

    for (const opt of [["--cd", "/etc"], ["--cd=/etc"], ["-c", "/etc"], ["-c/etc"], ["--cd", "etc"]]) {
      test(`${opt.join(" ")}: cwd and PWD are /etc, as ${as}`, () => {
        const r = skiff(["run", ...opt, IMG, "--", "/bin/sh", "-c", 'pwd -P; echo "$PWD"'], { as });
        assert.equal(ok(r), "/etc\n/etc\n");
      });
    }

    test(`--cd through a symlink: PWD is the real directory, as ${as}`, () => {
      const r = skiff(["run", "--cd", "/fixtures/rel-link", IMG, "--", "/bin/env"], { as });
      assert.equal(envInside(r).PWD, "/etc");
    });

    test(`--cd into a bind and /tmp, through the ch-run name, as ${as}`, () => {
      const r = skiffChRun(["--cd", "/tmp", IMG, "--", "/bin/pwd"], { as });
      assert.equal(ok(r), "/tmp\n");
    });
  }
});
