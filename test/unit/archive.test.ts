// The pure parts of src/archive/ (doc/import.md): archive paths, symlink
// targets made to mean nothing outside the image, ch-image's metadata and
// its JSON as Python writes it, the platform chosen from an index. What
// touches files is tested end to end (test/e2e/import*.test.ts).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

import { components } from "../../src/archive/beneath.ts";
import { environmentFile, metadataOf } from "../../src/archive/chfiles.ts";
import { relink } from "../../src/archive/layer.ts";
import { matches } from "../../src/archive/platform.ts";
import { pythonJson } from "../../src/archive/pyjson.ts";
import { summary, newReport } from "../../src/archive/report.ts";
import { FakeSys } from "../lib/fakesys.ts";

test("an archive path's components: leading / and . dropped, .. refused", () => {
  assert.deepEqual(components("./usr//bin/./sh"), ["usr", "bin", "sh"]);
  assert.deepEqual(components("/etc/passwd"), ["etc", "passwd"]);
  assert.deepEqual(components("./"), []);
  assert.deepEqual(components("a..b/..c/d.."), ["a..b", "..c", "d.."]);
  assert.equal(components("../x"), null);
  assert.equal(components("a/../../x"), null);
  assert.equal(components("a/.."), null);
});

test("symlinks: absolute made relative as ch-image does, climbs above the root cut, others kept", () => {
  assert.equal(relink(["lib64"], "/lib"), "lib");
  assert.equal(relink(["usr", "lib", "x"], "/etc/alternatives/x"), "../../etc/alternatives/x");
  assert.equal(relink(["a", "b"], "/"), "..");
  assert.equal(relink(["top"], "/"), ".");
  assert.equal(relink(["a", "b", "l"], "/../../etc"), "../../etc");
  assert.equal(relink(["a", "b", "l"], "../../../../../etc"), "../../etc");
  assert.equal(relink(["l"], ".."), ".");
  assert.equal(relink(["a", "b", "l"], "../../etc"), "../../etc");
  assert.equal(relink(["a", "l"], "./x/../y"), "./x/../y");
  assert.equal(relink(["a", "l"], "x/../../../y"), "x/../../y");
});

test("JSON as Python's json.dumps(indent=2, sort_keys=True): same bytes", () => {
  const v = { z: [1, "two", { b: null, a: true }], a: {}, m: [], "caf\u00e9": "\u00fc\u2028\ud83d\ude00\x7f\n\"" };
  const py = spawnSync("/usr/bin/python3", ["-c",
    "import json,sys; print(json.dumps(json.load(sys.stdin), indent=2, sort_keys=True), end='')"],
                       { input: JSON.stringify(v), encoding: "utf8" });
  assert.equal(py.status, 0, py.stderr);
  assert.equal(pythonJson(v), py.stdout);
});

test("metadata as ch-image makes it from a config; its defaults without one", () => {
  const sys = new FakeSys();
  const none = metadataOf(sys, null);
  assert.deepEqual(none, {
    arch: "amd64", cwd: "/", env: {}, history: [], labels: {}, shell: ["/bin/sh", "-c"], volumes: [],
    arg: { FAKEROOTDONTTRYCHOWN: "1", PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           TAR_OPTIONS: "--no-same-owner" },
  });
  const m = metadataOf(sys, {
    architecture: "arm64",
    config: { Env: ["B=2", "A=1=one", "B=3", "NOEQUALS"], WorkingDir: "", Volumes: { "/data": {} },
              Cmd: ["sh"], Labels: null },
    history: [{ created_by: "x" }],
  });
  assert.equal(m.arch, "arm64");
  assert.equal(m.cwd, "/", "an empty WorkingDir is none, as ch-image reads it");
  assert.deepEqual(m.env, { A: "1=one", B: "3" });
  assert.deepEqual(m.volumes, ["/data"]);
  assert.deepEqual([m.cmd, m.entrypoint, m.labels], [["sh"], undefined, {}]);
  assert.equal(environmentFile(m), "A=1=one\nB=3\n");
  assert.equal(environmentFile(none), "\n");
});

test("a platform from an index: same OS and architecture; the variant only if both say one", () => {
  const here = { os: "linux", architecture: "arm64", variant: "v8" };
  assert.ok(matches({ os: "linux", architecture: "arm64" }, here));
  assert.ok(matches({ os: "linux", architecture: "arm64", variant: "v8" }, here));
  assert.ok(!matches({ os: "linux", architecture: "arm64", variant: "v7" }, here));
  assert.ok(!matches({ os: "windows", architecture: "arm64" }, here));
  assert.ok(!matches(undefined, here));
});

test("the summary of what was dropped: one line, nothing when nothing was", () => {
  const r = newReport();
  assert.equal(summary(r), null);
  r.devices.push("dev/null");
  r.setid.push("bin/su", "bin/sg");
  assert.equal(summary(r), "dropped what an unprivileged user can't have: 1 device node or FIFO, "
    + "the setuid/setgid bits of 2 files (-v lists them)");
});
