// Helpers for skiff's end-to-end tests (node:test).  The tests run as root
// (`make test` → scripts/test.sh) and run skiff either as root or, through
// setpriv(1), as the unprivileged user created by test/setup/setup.sh.
// Paths mirror test/setup/env.sh; keep the two in step.

import * as assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

//// Paths and names ////////////////////////////////////////////////////////

export const TEST_ROOT: string = process.env.SKIFF_TEST_ROOT || "/var/tmp/skiff-test";
export const TEST_USER = "skifftest";
/** Another unprivileged user: the other local user of attack tests. */
export const TEST_USER2 = "skifftest2";

/** A user and group (same ID) only an NSS module (libnss-extrausers)
    knows, as SSSD's or LDAP's users are: not in /etc/passwd or /etc/group. */
export const NSS_USER = "skiffnss";
export const NSS_ID = 1601;

export const BIN_DIR = `${TEST_ROOT}/bin`;
/** Copy of build/skiff made by setup.sh (reachable by TEST_USER). */
export const SKIFF = `${BIN_DIR}/skiff`;
/** Symlink named ch-run → skiff, for ch-run-compatible invocations. */
export const CH_RUN_SKIFF = `${BIN_DIR}/ch-run`;
/** swap A B SECONDS: renameat2(RENAME_EXCHANGE) of A and B in a loop. */
export const SWAP = `${BIN_DIR}/swap`;
/** Debian's ch-run 0.31 (charliecloud-runtime), the behaviour oracle. */
export const ORACLE = "/usr/bin/ch-run";

export const IMG_DIR = `${TEST_ROOT}/img`;
/** Busybox directory image (root-owned, read-only for tests). */
export const IMG = `${IMG_DIR}/busybox`;
/** The same image as SquashFS (gzip), and zstd / lz4 variants. */
export const SQFS = `${IMG_DIR}/busybox.sqfs`;
export const SQFS_ZSTD = `${IMG_DIR}/busybox-zstd.sqfs`;
export const SQFS_LZ4 = `${IMG_DIR}/busybox-lz4.sqfs`;
/** Directory image lacking /proc. */
export const BROKEN = `${IMG_DIR}/broken`;
/** Regular file that is not SquashFS (starts with "You "). */
export const NOTSQUASH = `${IMG_DIR}/notsquash.img`;
/** First 4096 bytes of busybox.sqfs: good magic, unreadable file system. */
export const TRUNCATED = `${IMG_DIR}/truncated.sqfs`;
/** Busybox plus Debian's libc, ldconfig and dlopen-test (test/setup/dlopen.c),
    for CDI; and the same as SquashFS. */
export const CDI_IMG = `${IMG_DIR}/cdi`;
export const CDI_SQFS = `${IMG_DIR}/cdi.sqfs`;
/** The busybox image with /escape, the escape checks (test/escape/escape.c). */
export const IMG_ESCAPE = `${IMG_DIR}/escape`;
export const SCRATCH = `${TEST_ROOT}/scratch`;

//// Running things /////////////////////////////////////////////////////////

export type As = "root" | "user";
export const AS_BOTH: As[] = ["root", "user"];

export interface RunOpts {
  /** Run as root (default) or as TEST_USER. */
  as?: As;
  /** Merged over the default environment; a key set to undefined is removed. */
  env?: Record<string, string | undefined>;
  /** Default: TEST_ROOT. */
  cwd?: string;
  /** Fed to stdin (default: empty stdin). */
  input?: string;
  /** Killed with SIGKILL after this long (default 30 s). */
  timeoutMs?: number;
}

export interface RunResult {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface UserInfo {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

const userCache = new Map<string, UserInfo>();

/** Look NAME up in /etc/passwd (throws if absent, e.g. setup.sh not run). */
export function userInfo(name: string): UserInfo {
  let u = userCache.get(name);
  if (u) return u;
  for (const line of fs.readFileSync("/etc/passwd", "utf8").split("\n")) {
    const f = line.split(":");
    if (f[0] === name && f.length >= 7) {
      u = { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] };
      userCache.set(name, u);
      return u;
    }
  }
  throw new Error(`user ${name} not found in /etc/passwd; run test/setup/setup.sh`);
}

/** The test user's identity (uid, gid, home). */
export function testUser(): UserInfo {
  return userInfo(TEST_USER);
}

/** AS's $XDG_CACHE_HOME (skiff's CDI cache, src/cdi/cache.ts): under
    TEST_ROOT, so that no test writes to a home directory. */
export function cacheHome(as: As): string {
  const dir = `${TEST_ROOT}/cache/${as}`;
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(`${TEST_ROOT}/cache`, 0o755);
    if (as === "user") fs.chownSync(dir, testUser().uid, testUser().gid);
  }
  return dir;
}

/** Default environment for a run as AS, before opts.env is merged. */
export function defaultEnv(as: As = "root"): Record<string, string> {
  const u = as === "user" ? testUser() : { name: "root", home: "/root" };
  return { PATH: "/usr/local/bin:/usr/bin:/bin", USER: u.name, HOME: u.home, LANG: "C",
           XDG_CACHE_HOME: cacheHome(as) };
}

/** ARGV run as AS: through setpriv for TEST_USER, by absolute path since a
    test's environment may set a PATH that lacks it. */
function asArgv(as: As, argv: string[]): string[] {
  return as === "user"
    ? ["/usr/bin/setpriv", `--reuid=${TEST_USER}`, `--regid=${TEST_USER}`, "--init-groups", "--", ...argv]
    : argv;
}

/** Run ARGV synchronously as root or TEST_USER with a clean environment. */
export function run(argv: string[], opts: RunOpts = {}): RunResult {
  const as = opts.as ?? "root";
  const env: Record<string, string> = defaultEnv(as);
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const full = asArgv(as, argv);
  const r = spawnSync(full[0], full.slice(1), {
    cwd: opts.cwd ?? TEST_ROOT,
    env,
    input: opts.input ?? "",
    timeout: opts.timeoutMs ?? 30_000,
    killSignal: "SIGKILL",
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code !== "ETIMEDOUT") {
    throw r.error; // could not start at all (e.g. setpriv missing)
  }
  return {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout ?? "",
    stderr: r.stderr ?? "",
  };
}

export interface Job {
  child: ChildProcess;
  /** Its standard error so far. */
  stderr: () => string;
  /** Its exit status once its standard error is read to the end. */
  exited: Promise<number | null>;
}

/** Start skiff ARGS as AS, not waiting, in a process group of its own as a
    shell starts a job: a terminal's Ctrl-C signals the group whole. */
export function startJob(as: As, args: string[]): Job {
  const full = asArgv(as, [SKIFF, ...args]);
  const child = spawn(full[0], full.slice(1), { cwd: TEST_ROOT, env: defaultEnv(as), detached: true,
                                                stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
  // "close", not "exit": the group's other processes may hold standard error too.
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

/** skiff ARGS(fifo) as AS, reading an archive through fifo (a FIFO made
    here): fed half of archive and held there until skiff has its temporary
    directory in storage, then Ctrl-C'd (its group SIGINT'd); then the rest
    comes, or (rest false) the archive ends there, as when the same Ctrl-C
    ends the program writing it. Its exit status and standard error. */
export async function interruptedMidArchive(as: As, args: (fifo: string) => string[], archive: Uint8Array,
                                            storage: string, rest: boolean): Promise<{ status: number | null; stderr: string }> {
  const fifo = `${scratchDir("root", "fifo")}/fifo`;
  const made = run(["mkfifo", "-m", "0644", fifo]);
  assert.equal(made.status, 0, describeResult(made));
  const job = startJob(as, args(fifo));
  const feed = fs.createWriteStream(fifo);
  feed.on("error", () => {}); // EPIPE: skiff is gone
  const half = Math.floor(archive.length / 2);
  await new Promise((resolve) => feed.write(archive.subarray(0, half), resolve));
  const tmp = `${storage}/imgtmp`;
  if (!waitFor(() => fs.existsSync(tmp) && fs.readdirSync(tmp).length > 0, 20_000)) {
    process.kill(-(job.child.pid as number), "SIGKILL"); // not left blocked on the FIFO
    feed.destroy();
    assert.fail(`no ${tmp}/* after 20 s: ${job.stderr()}`);
  }
  process.kill(-(job.child.pid as number), "SIGINT");
  feed.end(rest ? archive.subarray(half) : undefined);
  const status = await job.exited;
  return { status, stderr: job.stderr() };
}

/** Run skiff (the test copy of build/skiff). */
export function skiff(args: string[], opts: RunOpts = {}): RunResult {
  return run([SKIFF, ...args], opts);
}

/** Run skiff through its ch-run name (CH_RUN_SKIFF). */
export function skiffChRun(args: string[], opts: RunOpts = {}): RunResult {
  return run([CH_RUN_SKIFF, ...args], opts);
}

/** Run the oracle, Debian's ch-run 0.31. */
export function chrun(args: string[], opts: RunOpts = {}): RunResult {
  return run([ORACLE, ...args], opts);
}

/** skiff run [OPTIONS...] IMAGE -- /bin/sh -c SCRIPT. */
export function skiffSh(image: string, script: string, options: string[] = [], opts: RunOpts = {}): RunResult {
  return skiff(["run", ...options, image, "--", "/bin/sh", "-c", script], opts);
}

/** The host's NSS entry (getent(1) DATABASE KEY) split at ":", or null. */
export function getent(database: "passwd" | "group", key: string | number): string[] | null {
  const r = run(["getent", database, String(key)]);
  return r.status === 0 ? r.stdout.replace(/\n$/, "").split(":") : null;
}

/** Human-readable summary of a result, for assertion messages. */
export function describeResult(r: RunResult): string {
  return `status=${r.status} signal=${r.signal}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

/** Assert r exited with code; returns r. */
export function status(r: RunResult, code: number): RunResult {
  assert.equal(r.status, code, describeResult(r));
  return r;
}

/** Assert r succeeded; returns its stdout. */
export function ok(r: RunResult): string {
  return status(r, 0).stdout;
}

/** Block for MS milliseconds (tests here are synchronous). */
export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Poll PRED every 10 ms until true or TIMEOUTMS elapses; returns last value. */
export function waitFor(pred: () => boolean, timeoutMs = 2000): boolean {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (pred()) return true;
    if (Date.now() >= end) return false;
    sleepMs(10);
  }
}

//// Writable image copies //////////////////////////////////////////////////

const scratchPaths: string[] = [];
let scratchCount = 0;

/** Fresh writable copy of the busybox image (or of SRC), owned by AS's
    user, under SCRATCH; for -w tests.  Removed by cleanupScratch(). */
export function userCopyOfImage(as: As, src: string = IMG): string {
  fs.mkdirSync(SCRATCH, { recursive: true, mode: 0o755 });
  const dst = `${SCRATCH}/${as}-${process.pid}-${++scratchCount}-${path.basename(src)}`;
  scratchPaths.push(dst);
  must(run(["cp", "-a", "--", src, dst]), `cp -a ${src} ${dst}`);
  if (as === "user") {
    const u = testUser();
    // -h: don't follow the image's absolute symlinks out to the host.
    must(run(["chown", "-hR", `${u.uid}:${u.gid}`, "--", dst]), `chown ${dst}`);
  }
  return dst;
}

const foreignDirsCopies: Partial<Record<As, string>> = {};

/** An image whose /home and /rootdir the container user can't write, so
    that creating paths under them takes the overmount ("symlink ranch"):
    for the user that is IMG itself (all root's); root owns everything in
    IMG, so root gets a copy where they belong to nobody.  Shared within the
    process: use it read-only or with -W. */
export function foreignDirsImage(as: As): string {
  if (as === "user") return IMG;
  if (!foreignDirsCopies[as]) {
    const img = userCopyOfImage(as);
    for (const d of ["/home", "/rootdir"]) fs.chownSync(`${img}${d}`, 65534, 65534);
    foreignDirsCopies[as] = img;
  }
  return foreignDirsCopies[as]!;
}

/** Remove everything userCopyOfImage created in this process. */
export function cleanupScratch(): void {
  delete foreignDirsCopies.root;
  while (scratchPaths.length) {
    const p = scratchPaths.pop()!;
    run(["rm", "-rf", "--one-file-system", "--", p]);
  }
}

/** Fresh empty directory under SCRATCH owned by AS's user (mode 0755), for
    use as a bind source, $TMPDIR or $HOME.  Removed by cleanupScratch(). */
export function scratchDir(as: As, tag = "dir"): string {
  fs.mkdirSync(SCRATCH, { recursive: true, mode: 0o755 });
  const dir = `${SCRATCH}/${as}-${process.pid}-${++scratchCount}-${tag}`;
  scratchPaths.push(dir);
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.chmodSync(dir, 0o755); // despite the umask
  if (as === "user") fs.chownSync(dir, testUser().uid, testUser().gid);
  return dir;
}

/** An existing, empty storage directory, for $CH_IMAGE_STORAGE in runs whose
    stderr must be silent: without one skiff warns "storage directory not
    found", as ch-run does, and the test user's default may not exist. */
export function quietStorage(): string {
  const dir = `${SCRATCH}/storage`;
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  return dir;
}

function must(r: RunResult, what: string): void {
  if (r.status !== 0) throw new Error(`${what} failed: ${describeResult(r)}`);
}

//// Leak detectors /////////////////////////////////////////////////////////

export interface Mount {
  /** Process whose mountinfo listed it. */
  pid: number | "self";
  /** Mount namespace, e.g. "mnt:[4026531841]". */
  ns: string;
  mountId: number;
  mountPoint: string;
  fsType: string;
  source: string;
  options: string;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

function parseMountinfo(text: string, pid: number | "self", ns: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    const dash = line.indexOf(" - ");
    if (dash < 0) continue;
    const a = line.slice(0, dash).split(" ");
    const b = line.slice(dash + 3).split(" ");
    out.push({
      pid,
      ns,
      mountId: Number(a[0]),
      mountPoint: unescapeMountinfo(a[4]),
      fsType: b[0],
      source: unescapeMountinfo(b[1] ?? ""),
      options: `${a[5] ?? ""},${b[2] ?? ""}`,
    });
  }
  return out;
}

function readOrNull(p: string): string | null {
  try {
    return fs.readFileSync(p, "utf8");
  } catch {
    return null; // process gone, or not ours to read
  }
}

function nsOf(pid: number | "self"): string {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return "?";
  }
}

/** Mounts in the test process's own (the host's) mount namespace. */
export function hostMounts(): Mount[] {
  return parseMountinfo(readOrNull("/proc/self/mountinfo") ?? "", "self", nsOf("self"));
}

/** Mounts in every mount namespace any live process is in (one reader per
    namespace), the host's included.  Finds mounts leaked into namespaces
    kept alive by stray processes. */
export function allMounts(): Mount[] {
  const seen = new Set<string>();
  const out: Mount[] = [];
  const self = nsOf("self");
  seen.add(self);
  out.push(...hostMounts());
  for (const pid of pids()) {
    const ns = nsOf(pid);
    if (ns === "?" || seen.has(ns)) continue;
    const text = readOrNull(`/proc/${pid}/mountinfo`);
    if (text === null) continue;
    seen.add(ns);
    out.push(...parseMountinfo(text, pid, ns));
  }
  return out;
}

/** Mounts at or below PREFIX: in the host namespace, or (allNamespaces)
    in any namespace. */
export function mountsUnder(prefix: string, allNamespaces = false): Mount[] {
  const p = prefix.replace(/\/+$/, "");
  return (allNamespaces ? allMounts() : hostMounts()).filter(
    (m) => m.mountPoint === p || m.mountPoint.startsWith(p + "/") || p === "",
  );
}

/** FUSE mounts (type fuse or fuse.*; not fusectl) in any namespace, or
    only the host's. */
export function fuseMounts(allNamespaces = true): Mount[] {
  return (allNamespaces ? allMounts() : hostMounts()).filter(
    (m) => m.fsType === "fuse" || m.fsType.startsWith("fuse."),
  );
}

function pids(): number[] {
  return fs
    .readdirSync("/proc")
    .filter((e) => /^[0-9]+$/.test(e))
    .map(Number);
}

export interface Proc {
  pid: number;
  comm: string;
  uid: number;
  cmdline: string[];
}

/** Live processes (not this one) whose comm is NAME (compared on comm's
    15-character limit) or matches the RegExp. */
export function processesNamed(name: string | RegExp): Proc[] {
  const out: Proc[] = [];
  for (const pid of pids()) {
    if (pid === process.pid) continue;
    const comm = readOrNull(`/proc/${pid}/comm`);
    if (comm === null) continue;
    const c = comm.replace(/\n$/, "");
    const hit = typeof name === "string" ? c === name.slice(0, 15) : name.test(c);
    if (!hit) continue;
    const status = readOrNull(`/proc/${pid}/status`) ?? "";
    const m = /^Uid:\s+(\d+)/m.exec(status);
    const cmd = readOrNull(`/proc/${pid}/cmdline`) ?? "";
    out.push({
      pid,
      comm: c,
      uid: m ? Number(m[1]) : -1,
      cmdline: cmd.split("\0").filter((s, i, a) => i < a.length - 1 || s !== ""),
    });
  }
  return out;
}

/** Entries in /dev/shm whose name contains PATTERN (string) or matches it. */
export function devShmEntries(pattern: string | RegExp): string[] {
  let names: string[];
  try {
    names = fs.readdirSync("/dev/shm");
  } catch {
    return [];
  }
  return names
    .filter((n) => (typeof pattern === "string" ? n.includes(pattern) : pattern.test(n)))
    .sort();
}
