// SquashFS images and images by name (issue 4; doc/images.md §3.1, §3.2, §3.5),
// as root and as the unprivileged test user: running, -w/-W, binds, --cd,
// exit status relay, a background process that outlives the main command,
// signals to the supervisor, the server dying, and every bad input; with
// each server ($SKIFF_SQUASH_SERVER): skiff-squashd and squashfuse_ll.
// After every test no server process and no server mount may remain, in
// any mount namespace.

import { describe, test, afterEach, after, before } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";

import {
  AS_BOTH,
  As,
  IMG,
  NOTSQUASH,
  SKIFF,
  SQFS,
  SQFS_LZ4,
  SQFS_ZSTD,
  TEST_ROOT,
  TEST_USER,
  TRUNCATED,
  cleanupScratch,
  defaultEnv,
  describeResult,
  fuseMounts,
  processesNamed,
  run,
  RunOpts,
  RunResult,
  scratchDir,
  testUser,
  waitFor,
} from "../lib/harness.js";

after(cleanupScratch);

const SERVERS = ["skiff-squashd", "squashfuse_ll"];
/** The server the running describe() block tests. */
let server = SERVERS[0];

/** Every process this file starts carries MARK in its environment (the
    server and the container inherit it), so that what others run on this
    machine at the same time is not taken for ours. */
const MARK_VAR = "SKIFF_SQUASH_TEST";
const MARK = `${MARK_VAR}=${process.pid}`;

function marked(pid: number | "self"): boolean {
  if (pid === "self") return true; // the host's namespace: never ours to mount in
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(MARK);
  } catch {
    return false;
  }
}

/** A zombie still ours to reap: its environment can't be read any more,
    but it is a process left behind. One already handed to init (PPid 1,
    after a SIGKILL of the supervisor) holds nothing and is init's to reap,
    which init here (a firecracker agent) may put off for many seconds. */
function zombie(pid: number): boolean {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    return /^State:\s+Z/m.test(status) && !/^PPid:\s+1$/m.test(status);
  } catch {
    return false;
  }
}

/** Ours: the server's processes and the mounts it serves (ch-run's own
    in-process mounts have type "fuse"). */
function leftovers(): string[] {
  const procs = SERVERS.flatMap((name) => processesNamed(name))
    .filter((p) => marked(p.pid) || zombie(p.pid))
    .map((p) => `process ${p.pid}: ${p.cmdline.join(" ")}`);
  const mounts = fuseMounts(true)
    .filter((m) => SERVERS.some((name) => m.fsType === `fuse.${name}`) && marked(m.pid))
    .map((m) => `mount ${m.mountPoint} in ${m.ns} (seen via pid ${m.pid})`);
  return procs.concat(mounts);
}

afterEach(() => {
  // PDEATHSIG and namespace teardown are asynchronous, and after a SIGKILL
  // of the supervisor the server's zombie is init's to reap, which takes
  // init here (a firecracker agent) up to seconds: allow for that.
  waitFor(() => leftovers().length === 0, 10_000);
  assert.deepEqual(leftovers(), [], "left behind after the test");
});

//// Fixtures ////////////////////////////////////////////////////////////////

const storages: Partial<Record<string, string>> = {};

/** STORAGE with img/busybox (a copy of IMG) and the name
    example.com:5050/foo:1.0 as img/example.com+5050%foo+1.0 (a symlink to
    IMG); readable by everyone. */
function storage(): string {
  if (storages.s) return storages.s;
  const s = scratchDir("root", "storage");
  fs.mkdirSync(`${s}/img`, { mode: 0o755 });
  const r = run(["cp", "-a", "--", IMG, `${s}/img/busybox`]);
  assert.equal(r.status, 0, describeResult(r));
  fs.symlinkSync(IMG, `${s}/img/example.com+5050%foo+1.0`);
  storages.s = s;
  return s;
}

/** An empty storage directory (so skiff does not warn it is missing). */
function emptyStorage(): string {
  if (!storages.empty) storages.empty = scratchDir("root", "empty-storage");
  return storages.empty;
}

const mountDirs: Partial<Record<As, string>> = {};

/** A mount point owned by AS's user. */
function mnt(as: As): string {
  if (!mountDirs[as]) mountDirs[as] = scratchDir(as, "mnt");
  return mountDirs[as]!;
}

function opts(as: As, extra: RunOpts = {}): RunOpts {
  return { as, ...extra, env: { CH_IMAGE_STORAGE: emptyStorage(), [MARK_VAR]: String(process.pid),
                                SKIFF_SQUASH_SERVER: server, ...(extra.env ?? {}) } };
}

function markedEnv(as: As): Record<string, string> {
  return { ...defaultEnv(as), CH_IMAGE_STORAGE: emptyStorage(), [MARK_VAR]: String(process.pid),
           SKIFF_SQUASH_SERVER: server };
}

/** skiff run -m MNT [OPTIONS] IMAGE -- ARGV */
function sq(as: As, options: string[], image: string, argv: string[], extra: RunOpts = {}): RunResult {
  return run([SKIFF, "run", "-m", mnt(as), ...options, image, "--", ...argv], opts(as, extra));
}

function ok(r: RunResult, stdout?: string): void {
  assert.equal(r.status, 0, describeResult(r));
  if (stdout !== undefined) assert.equal(r.stdout, stdout, describeResult(r));
}

/** A run that failed as skiff fails: exit CODE, and one error line matching RE. */
function failed(r: RunResult, code: number, re: RegExp): void {
  assert.equal(r.status, code, describeResult(r));
  const errors = r.stderr.split("\n").filter((l) => / error: /.test(l));
  assert.equal(errors.length, 1, describeResult(r));
  assert.match(errors[0], re, describeResult(r));
}

//// Running things in the background ///////////////////////////////////////

interface Started {
  pid: number;
  done: Promise<RunResult>;
}

/** Start skiff run -m MNT IMAGE -- ARGV in the background. */
function start(as: As, image: string, argv: string[]): Started {
  const env = markedEnv(as);
  const cmd = [SKIFF, "run", "-m", mnt(as), image, "--", ...argv];
  const full = as === "user"
    ? ["/usr/bin/setpriv", `--reuid=${TEST_USER}`, `--regid=${TEST_USER}`, "--init-groups", "--", ...cmd]
    : cmd;
  const child = spawn(full[0], full.slice(1), { cwd: TEST_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  child.stdout!.on("data", (d) => { stdout += d; });
  child.stderr!.on("data", (d) => { stderr += d; });
  // Settled on exit, with the output so far if a stray process still holds
  // the pipes open a moment later (which the test then catches).
  const done = new Promise<RunResult>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("exit", (status, signal) => {
      clearTimeout(timer);
      const settle = () => resolve({ status, signal, stdout, stderr });
      const grace = setTimeout(settle, 500);
      child.on("close", () => { clearTimeout(grace); settle(); });
    });
  });
  return { pid: child.pid!, done };
}

function comm(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The supervisor's child running COMM (the container's command), once
    it has been exec'd; fails the test if it does not appear. */
function containerProcess(supervisor: number, name: string): number {
  let found = 0;
  waitFor(() => {
    found = childrenOf(supervisor).find((p) => comm(p) === name) ?? 0;
    return found !== 0;
  }, 10_000);
  assert.notEqual(found, 0, `no ${name} under supervisor ${supervisor}`);
  return found;
}

function alive(pid: number): boolean {
  return comm(pid) !== null && !zombie(pid);
}

//// Tests ///////////////////////////////////////////////////////////////////

for (const srv of SERVERS) for (const as of AS_BOTH) {
  describe(`SquashFS with ${srv} as ${as}`, () => {
    before(() => { server = srv; });

    test("runs a command from each compression (gzip, zstd, lz4)", () => {
      for (const img of [SQFS, SQFS_ZSTD, SQFS_LZ4])
        ok(sq(as, [], img, ["/bin/cat", "/fixtures/file"]), "fixture file\n");
    });

    test("the root is the SquashFS mount, read-only, its files the container user's", () => {
      const r = sq(as, [], SQFS, ["/bin/sh", "-c", "cat /proc/self/mountinfo; stat -c %u /bin/busybox"]);
      ok(r);
      const lines = r.stdout.trim().split("\n");
      const root = lines.filter((l) => l.split(" ")[4] === "/");
      assert.equal(root.length, 1, describeResult(r));
      assert.match(root[0], new RegExp(`^\\S+ \\S+ \\S+ / / ro,.* - fuse\\.${srv} ${srv} ro,`), describeResult(r));
      assert.equal(lines[lines.length - 1], String(as === "user" ? testUser().uid : 0));
    });

    test("-v names the server", () => {
      const r = sq(as, ["-v"], SQFS, ["/bin/true"]);
      ok(r);
      assert.match(r.stderr, new RegExp(`mounting SquashFS .* with /\\S*/${srv}\n`), describeResult(r));
    });

    test("default mount point /var/tmp/$USER.ch/mnt is created", () => {
      const user = `skiff-sq-${process.pid}-${as}`;
      const base = `/var/tmp/${user}.ch`;
      try {
        const r = run([SKIFF, "run", "-v", SQFS, "--", "/bin/true"], opts(as, { env: { USER: user } }));
        ok(r);
        assert.match(r.stderr, new RegExp(`using default mount point: ${base}/mnt`), describeResult(r));
        assert.ok(fs.statSync(`${base}/mnt`).isDirectory());
        if (as === "user") assert.equal(fs.statSync(`${base}/mnt`).uid, testUser().uid);
      } finally {
        fs.rmSync(base, { recursive: true, force: true });
      }
    });

    test("-w: no error, still read-only", () => {
      const r = sq(as, ["-w"], SQFS, ["/bin/sh", "-c", "touch /x"]);
      assert.equal(r.status, 1, describeResult(r));
      assert.match(r.stderr, /^touch: \/x: Read-only file system\n$/, describeResult(r));
    });

    test("-W: writable overlay on the FUSE mount", () => {
      const r = sq(as, ["-W"], SQFS, ["/bin/sh", "-c", "echo x > /x && cat /x /fixtures/file && mkdir -p /new/dir"]);
      ok(r, "x\nfixture file\n");
    });

    test("binds, and --cd", () => {
      const dir = scratchDir(as, "bind");
      fs.writeFileSync(`${dir}/hello`, "hello from the host\n");
      ok(sq(as, ["-b", `${dir}:/mnt/0`], SQFS, ["/bin/cat", "/mnt/0/hello"]), "hello from the host\n");
      ok(sq(as, ["-W", "-b", `${dir}:/made/here`], SQFS, ["/bin/cat", "/made/here/hello"]), "hello from the host\n");
      ok(sq(as, ["--cd", "/fixtures"], SQFS, ["/bin/pwd"]), "/fixtures\n");
    });

    test("exit status relayed: 0, exit 7, 128+N when killed by signal N", () => {
      ok(sq(as, [], SQFS, ["/fixtures/exit-with", "0"]));
      assert.equal(sq(as, [], SQFS, ["/fixtures/exit-with", "7"]).status, 7);
      assert.equal(sq(as, [], SQFS, ["/bin/sh", "-c", "exit 7"]).status, 7);
      assert.equal(sq(as, [], SQFS, ["/bin/sh", "-c", "kill -TERM $$"]).status, 143);
      assert.equal(sq(as, [], SQFS, ["/bin/sh", "-c", "kill -KILL $$"]).status, 137);
    });

    test("exec failure in the container: 49, from the container's process", () => {
      failed(sq(as, [], SQFS, ["/nonexistent"]), 49, /can't execvpe\(3\): \/nonexistent/);
    });

    test("a background process keeps reading the image after the main command exits", () => {
      const dir = scratchDir(as, "bg");
      // Longer than the supervisor's grace period for the server after an
      // unmount, so that only waiting for the whole container passes.
      const t0 = Date.now();
      const r = sq(as, ["-b", `${dir}:/mnt/0`], SQFS,
                   ["/bin/sh", "-c", "(sleep 3; cat /bin/busybox > /dev/null && echo done > /mnt/0/x) & exit 3"]);
      const elapsed = Date.now() - t0;
      assert.equal(r.status, 3, describeResult(r));            // the main command's status
      assert.equal(fs.readFileSync(`${dir}/x`, "utf8"), "done\n"); // the image was still there
      assert.ok(elapsed >= 3000, `skiff returned after ${elapsed} ms, before the background process`);
    });

    test("SIGINT and SIGHUP to the supervisor are ignored, SIGTERM is passed on (143)", async () => {
      const s = start(as, SQFS, ["/bin/sleep", "30"]);
      const sleeper = containerProcess(s.pid, "sleep");
      process.kill(s.pid, "SIGINT");
      process.kill(s.pid, "SIGHUP");
      waitFor(() => false, 300);
      assert.ok(alive(s.pid) && alive(sleeper), "supervisor or container died of SIGINT/SIGHUP");
      process.kill(s.pid, "SIGTERM");
      const r = await s.done;
      assert.equal(r.status, 143, describeResult(r));
    });

    test("SIGKILL of the container: 137, image unmounted", async () => {
      const s = start(as, SQFS, ["/bin/sleep", "30"]);
      process.kill(containerProcess(s.pid, "sleep"), "SIGKILL");
      const r = await s.done;
      assert.equal(r.status, 137, describeResult(r));
    });

    test("SIGKILL of the supervisor: server and container die with it", async () => {
      const s = start(as, SQFS, ["/bin/sleep", "30"]);
      const sleeper = containerProcess(s.pid, "sleep");
      assert.equal(processesNamed(srv).filter((p) => marked(p.pid)).length, 1);
      // Let it settle into its sleep: a page fault still in flight when the
      // server dies would kill it with SIGBUS, hiding a missing PDEATHSIG.
      waitFor(() => false, 500);
      process.kill(s.pid, "SIGKILL");
      await s.done;
      assert.ok(waitFor(() => !alive(sleeper), 3000), "the container outlived its supervisor");
    });

    test("the server dying under a running container: exit 84, container killed", async () => {
      const s = start(as, SQFS, ["/bin/sh", "-c", "sleep 30 & sleep 31; true"]);
      containerProcess(s.pid, "sh");
      const servers = processesNamed(srv).filter((p) => marked(p.pid));
      assert.equal(servers.length, 1);
      waitFor(() => false, 200);
      process.kill(servers[0].pid, "SIGKILL");
      const r = await s.done;
      assert.equal(r.status, 84, describeResult(r));
      assert.match(r.stderr, new RegExp(`error: ${srv} terminated by signal 9 while the container was running: `));
      assert.deepEqual(processesNamed("sleep").filter((p) => marked(p.pid) && /^sleep 3[01]$/.test(p.cmdline.join(" "))), []);
    });

    //// Images by name

    test("by name, with -s and with $CH_IMAGE_STORAGE; / → %, : → +", () => {
      const s = storage();
      ok(run([SKIFF, "run", "-s", s, "busybox", "--", "/bin/cat", "/fixtures/file"], opts(as)), "fixture file\n");
      ok(run([SKIFF, "run", "example.com:5050/foo:1.0", "--", "/bin/cat", "/fixtures/file"],
             opts(as, { env: { CH_IMAGE_STORAGE: s } })), "fixture file\n");
    });

    test("by name: -w refused unless --unsafe", () => {
      const s = storage();
      failed(run([SKIFF, "run", "-s", s, "-w", "busybox", "--", "/bin/true"], opts(as)), 31,
             /--write invalid when running by name/);
      ok(run([SKIFF, "run", "-s", s, "-w", "--unsafe", "busybox", "--", "/bin/true"], opts(as)));
    });

    test("directory image inside storage refused unless --unsafe", () => {
      const s = storage();
      failed(run([SKIFF, "run", "-s", s, `${s}/img/busybox`, "--", "/bin/true"], opts(as)), 31,
             /can't run directory images from storage \(hint: run by name \(busybox\)/);
      ok(run([SKIFF, "run", "-s", s, "--unsafe", `${s}/img/busybox`, "--", "/bin/true"], opts(as)));
      // storage named through a symlink is still the same storage
      const link = `${s}.link`; // beside the scratch directory: removed here, not by cleanupScratch
      fs.symlinkSync(s, link);
      try {
        failed(run([SKIFF, "run", "-s", link, `${s}/img/busybox`, "--", "/bin/true"], opts(as)), 31,
               /can't run directory images from storage \(hint: run by name/);
      } finally {
        fs.unlinkSync(link);
      }
    });

    test("-m with a directory image (or a name) warns and is ignored", () => {
      for (const image of [IMG, "busybox"]) {
        const r = run([SKIFF, "run", "-s", storage(), "-m", "/nonexistent", image, "--", "/bin/true"], opts(as));
        ok(r);
        assert.match(r.stderr, /warning: --mount invalid with directory image, ignoring/);
      }
    });

    //// Bad input: a clear error, non-zero exit, nothing left behind

    test("bad: a name that is not in storage", () => {
      const s = storage();
      failed(run([SKIFF, "run", "-s", s, "nosuch:1.0", "--", "/bin/true"], opts(as)), 31,
             new RegExp(`can't stat: nosuch:1.0: No such file or directory \\(hint: .*${s}/img`));
    });

    test("bad: a regular file that is not SquashFS", () => {
      failed(sq(as, [], NOTSQUASH, ["/bin/true"]), 31, /unknown image type: .*notsquash\.img/);
    });

    test("bad: a truncated SquashFS: ch-run's words, the server's own message in the hint", () => {
      failed(sq(as, [], TRUNCATED, ["/bin/true"]), 31, srv === "squashfuse_ll"
        ? /can't open SquashFS: \S*truncated\.sqfs; try ch-run -vv\? \(hint: Something went wrong trying to read the squashfs image/
        : /can't open SquashFS: \S*truncated\.sqfs; try ch-run -vv\? \(hint: skiff-squashd: \S*truncated\.sqfs: can't read the image's tables/);
    });

    test("bad: --mount=''", () => {
      const r = run([SKIFF, "run", "--mount=", SQFS, "--", "/bin/true"], opts(as));
      assert.notEqual(r.status, 0, describeResult(r));
      assert.match(r.stderr, /mount point can't be empty string/);
    });

    test("bad: -m missing, or a file", () => {
      failed(run([SKIFF, "run", "-m", "/nonexistent/mnt", SQFS, "--", "/bin/true"], opts(as)), 31,
             /can't stat mount point: \/nonexistent\/mnt: No such file or directory/);
      failed(run([SKIFF, "run", "-m", SQFS, SQFS, "--", "/bin/true"], opts(as)), 31,
             /not a directory: .*busybox\.sqfs/);
    });

    /** Run skiff as AS inside a private mount namespace that root first
        rearranges with SETUP (a shell snippet). */
    function inRearrangedHost(setup: string, args: string[]): RunResult {
      const env = markedEnv(as);
      const who = as === "user"
        ? `/usr/bin/setpriv --reuid=${TEST_USER} --regid=${TEST_USER} --init-groups -- ` : "";
      const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
      const script = `${setup} && exec ${who}${[SKIFF, "run", ...args].map(q).join(" ")}`;
      return run(["/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script], { env });
    }

    test("bad: /dev/fuse absent", () => {
      const r = inRearrangedHost("mount -t tmpfs none /dev", ["-m", mnt(as), SQFS, "--", "/bin/true"]);
      failed(r, 31, /can't open \/dev\/fuse: No such file or directory \(hint: .*modprobe fuse/);
    });

    test("bad: /dev/fuse not accessible", () => {
      const dir = scratchDir("root", "fakefuse");
      fs.writeFileSync(`${dir}/fuse`, "");
      fs.chmodSync(`${dir}/fuse`, 0o600);
      fs.chownSync(`${dir}/fuse`, 65534, 65534); // unmapped even for root's namespace
      const r = inRearrangedHost(`mount --bind ${dir}/fuse /dev/fuse`, ["-m", mnt(as), SQFS, "--", "/bin/true"]);
      failed(r, 31, /can't open \/dev\/fuse: Permission denied \(hint: .*chmod 0666 \/dev\/fuse/);
    });

    if (srv === "squashfuse_ll") test("bad: squashfuse_ll not installed", () => {
      const dir = scratchDir("root", "fakebin");
      fs.copyFileSync("/usr/bin/setpriv", `${dir}/setpriv`);
      fs.chmodSync(`${dir}/setpriv`, 0o755);
      const r = inRearrangedHost(`mount --bind ${dir} /usr/bin`, ["-m", mnt(as), SQFS, "--", "/bin/true"]);
      failed(r, 31, /can't find squashfuse_ll on \$PATH or in \/usr\/bin \(hint: .*apt-get install squashfuse/);
    });

    if (as === "user") {
      test("bad: storage directory unreadable", () => {
        const s = scratchDir("root", "locked-storage");
        fs.mkdirSync(`${s}/img`);
        fs.mkdirSync(`${s}/img/busybox`);
        fs.chmodSync(s, 0o700);
        failed(run([SKIFF, "run", "-s", s, "busybox", "--", "/bin/true"], opts(as)), 31,
               new RegExp(`can't read storage directory: ${s}/img: Permission denied \\(hint: .*-s/--storage`));
      });
    }
  });
}
