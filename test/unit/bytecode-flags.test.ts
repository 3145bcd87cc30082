// The build cuts each function's flags in dukc's bytecode to what its code
// needs (scripts/bytecode.ts). Whether that changed what the program does
// is checked here on the program itself: build/skiff against
// build/unflagged/skiff, the same bundles as dukc writes them, over
// invocations that run through option parsing, image checks, planning, the
// units (help, format, glob, cdi) and the error paths, without root and
// without running a container (--dry-run). The unit tests proper run on
// Node (their harness and doubles use much that Duktape lacks: Map, Set,
// node:fs); bytecode-cases.test.ts runs cases of pure code on both.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bytecode-flags-test."));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const img = path.join(dir, "img");
for (const d of ["bin", "dev", "etc", "home", "mnt", "proc", "sys", "tmp", "usr/bin"])
  fs.mkdirSync(path.join(img, d), { recursive: true });
fs.writeFileSync(path.join(img, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
fs.writeFileSync(path.join(dir, "env"), "A=1\nB='two'\n\nC=$A:x\n");
fs.writeFileSync(path.join(dir, "spec.json"), "{ not json");

const RUNS: string[][] = [
  ["--help"], ["--version"], [], ["nosuch"],
  ["run", "--help"], ["run", "--usage"], ["run", "-?"], ["run"], ["run", "--bogus"], ["run", "-u", "x", img, "--", "true"],
  ["run", "--dry-run", img, "--", "/bin/true", "a b"],
  ["run", "--dry-run=json", "-b", "/tmp:/mnt", "-b", dir, "--set-env=FOO=bar", "--set-env=" + path.join(dir, "env"),
   "--unset-env=F*", "--unset-env=+(A|B)", "-c", "/tmp", "--home", "-v", img, "--", "/bin/true"],
  ["run", "--dry-run", "-w", "--no-passwd", "--private-tmp", "--seccomp", "-u", "0", "-g", "0", img, "--", "x"],
  ["run", "--dry-run", "--join", "--join-ct=4", "--join-tag=t1", img, "--", "x"],
  ["run", "--dry-run", "--join-ct=0", img, "--", "x"],
  ["run", "--dry-run", "--device=" + path.join(dir, "spec.json"), img, "--", "x"],
  ["run", "--dry-run", "--device=nvidia.com/gpu=0", img, "--", "x"],
  ["run", "--dry-run", "--set-env=" + path.join(dir, "nosuch"), img, "--", "x"],
  ["run", "--dry-run", path.join(dir, "nosuch"), "--", "x"],
  ["run", "--dry-run", path.join(dir, "env"), "--", "x"],
  ["run", "--feature=extglob"], ["run", "--feature=nosuch"], ["run", "--test=log", "-vvv", img, "--", "x"],
];

function outcome(skiff: string, args: string[]) {
  const r = spawnSync(skiff, args, { encoding: "utf8", env: { USER: "u", HOME: "/home/u", PATH: "/usr/bin:/bin" } });
  const pid = /\[\d+\]/g; // skiff[PID]: in messages
  const norm = (t: string) => t.replace(pid, "[PID]").split(skiff).join("SKIFF"); // argv[0] in messages
  return { status: r.status, signal: r.signal, stdout: norm(r.stdout), stderr: norm(r.stderr) };
}

test("skiff does the same with its functions' flags cut as with dukc's", () => {
  const statuses = new Set<number | null>();
  for (const args of RUNS) {
    const cut = outcome("build/skiff", args), whole = outcome("build/unflagged/skiff", args);
    assert.deepEqual(cut, whole, args.join(" "));
    assert.doesNotMatch(cut.stderr, /internal error/, args.join(" "));
    statuses.add(cut.status);
  }
  assert.deepEqual([...statuses].sort(), [0, 1, 31, 64], "success, and each kind of failure");
});
