// Podman (Debian 12's 4.3, rootless, --rootfs) as a second opinion on what
// a container made from one CDI spec looks like: the same image, the same
// spec, run as the unprivileged test user by both; what differs is listed,
// with why, in differences.ts (PODMAN_CDI_DIFFERENCES). Podman 4.3 reads
// specs from /var/run/cdi only (not from a directory of ours), so the test
// writes one there for the run, under a kind of its own, and removes it.

import { after, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import { CDI_IMG, SKIFF, cleanupScratch, describeResult, ok, run, RunResult, scratchDir, testUser,
         userCopyOfImage } from "../lib/harness.js";
import { asPodmanView } from "./differences.js";

const RUN_CDI = "/var/run/cdi";
const KIND = `skiff-test-${process.pid}.example.com/gpu`;
const SPEC = `${RUN_CDI}/skiff-test-${process.pid}.yaml`;

/** Made by this test (then removed after it) or there already. */
const madeRunCdi = !fs.existsSync(RUN_CDI);
const home = scratchDir("user", "podman-home");
const runtimeDir = `${home}/run`;

after(() => {
  fs.rmSync(SPEC, { force: true });
  if (madeRunCdi && fs.existsSync(RUN_CDI) && fs.readdirSync(RUN_CDI).length === 0)
    fs.rmdirSync(RUN_CDI);
  // rootless Podman leaves a pause process holding its user namespace
  const pidFile = `${runtimeDir}/libpod/tmp/pause.pid`;
  if (fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    try { process.kill(pid, "SIGKILL"); } catch { /* gone already */ }
  }
  cleanupScratch();
});

/** The driver: one small library (content compared) in a directory of the test's. */
function driver(): string {
  const d = scratchDir("user", "podman-drv");
  fs.writeFileSync(`${d}/f.c`, "int fakecuda_init(void) { return 42; }\n");
  const r = run(["gcc", "-shared", "-fPIC", "-Wl,-soname,libfakecuda.so.1", "-o", `${d}/libfakecuda.so.1.2.3`, `${d}/f.c`]);
  assert.equal(r.status, 0, describeResult(r));
  fs.chmodSync(`${d}/libfakecuda.so.1.2.3`, 0o755);
  return d;
}

/** The spec, without hooks (Podman would run their programs) and with the
    device node at its own name (Podman 4.3 ignores hostPath). */
function writeSpec(drv: string): void {
  fs.mkdirSync(RUN_CDI, { recursive: true, mode: 0o755 });
  fs.writeFileSync(SPEC, `cdiVersion: 0.5.0
kind: ${KIND}
devices:
- name: all
  containerEdits:
    deviceNodes:
    - path: /dev/full
containerEdits:
  env:
  - FAKE_VISIBLE_DEVICES=void
  mounts:
  - hostPath: ${drv}/libfakecuda.so.1.2.3
    containerPath: /usr/lib/fakecuda/libfakecuda.so.1.2.3
    options: [ro, nosuid, nodev, bind]
`, { mode: 0o644 });
}

const LIB = "/usr/lib/fakecuda/libfakecuda.so.1.2.3";
/** What the container sees of the devices, one fact a line. */
const VIEW = `echo "env: $FAKE_VISIBLE_DEVICES"
echo "lib-md5: $(md5sum < ${LIB})"
if [ -L ${LIB} ]; then echo "lib-is: symlink to $(readlink ${LIB})"; else echo "lib-is: file"; fi
dlopen-test ${LIB} fakecuda_init
echo "dev-full: $(ls -lL /dev/full | cut -c1) $(ls -lL /dev/full | sed 's/.* \\([0-9]*\\), *\\([0-9]*\\) .*/\\1,\\2/')"`;

function podman(image: string, script: string): RunResult {
  fs.mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  fs.chownSync(runtimeDir, testUser().uid, testUser().gid);
  return run(["podman", "--runtime=runc", "--cgroup-manager=cgroupfs", "run", "--rm", "--network=none",
              `--device=${KIND}=all`, "--rootfs", image, "/bin/sh", "-c", script],
             { as: "user", env: { HOME: home, XDG_RUNTIME_DIR: runtimeDir }, timeoutMs: 120_000 });
}

describe("CDI: skiff and Podman, one spec", () => {
  test("the same environment, library content and loadability, device node; differences as listed", () => {
    writeSpec(driver());
    const theirs = ok(podman(userCopyOfImage("user", CDI_IMG), VIEW));
    const ours = ok(run([SKIFF, "run", `--device=${KIND}`, CDI_IMG, "--", "/bin/sh", "-c", VIEW], { as: "user" }));
    assert.match(theirs, /^fakecuda_init: 42$/m);
    assert.match(ours, /^lib-is: symlink to \/ch\/cdi\//m); // fileMounts
    assert.equal(asPodmanView(ours), theirs);
  });

  test("devWhole: Podman's /dev has only what was asked for, skiff's is the host's", () => {
    const ls = "ls /dev | grep -c .";
    const theirs = Number(ok(podman(userCopyOfImage("user", CDI_IMG), ls)));
    const ours = Number(ok(run([SKIFF, "run", `--device=${KIND}`, CDI_IMG, "--", "/bin/sh", "-c", ls], { as: "user" })));
    assert.ok(ours > theirs, `host /dev ${ours} entries, Podman's ${theirs}`);
  });
});
