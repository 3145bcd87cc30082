// The FUSE server, run as our child on a FUSE connection mounted by us
// (squash.ts), so it needs no privilege, no fusermount3 and no mount point
// of its own: skiff's own skiff-squashd (native/squashd/) where installed,
// else Debian's squashfuse_ll.

import { ownDir } from "../linkage/linkage";
import { attempt, fail, isErrno, isSysError } from "../log/fail";
import * as log from "../log/log";
import { argvToString } from "../log/argv";
import * as path from "../path/path";
import { C } from "../sys/constants";
import { Sys } from "../sys/sys";

/** skiff's server: caches sized for a job, worker threads, and the kernel
    told it may cache everything (native/squashd/ops.c). */
var SQUASHD = "skiff-squashd";
/** The fallback: single-threaded, with libsquashfuse's 2012 caches. */
var SQUASHFUSE_LL = "squashfuse_ll";

/** A server found: its name (also the mount's type, fuse.NAME) and path. */
export interface Server {
  name: string;
  exe: string;
}

var INSTALL_HINT = "install squashfuse (Debian, Ubuntu: apt-get install squashfuse; "
  + "Fedora, RHEL: dnf install squashfuse), or put " + SQUASHFUSE_LL + " on $PATH";

/** An executable regular file at exe? Failures to look (EACCES, ENOENT,
    ...) count as no, as execvp(3) skips such entries. */
function isExecutable(sys: Sys, exe: string): boolean {
  try {
    sys.access(exe, C.X_OK);
    return (sys.stat(exe).mode & C.S_IFMT) === C.S_IFREG;
  } catch (e) {
    if (!isSysError(e))
      throw e;
    return false;
  }
}

/** name in one of dirs (absolute entries only), or null. */
function search(sys: Sys, name: string, dirs: string[]): string | null {
  for (var i = 0; i < dirs.length; i++)
    if (dirs[i].charAt(0) === "/" && isExecutable(sys, path.join(dirs[i], name)))
      return path.join(dirs[i], name);
  return null;
}

/** skiff-squashd next to skiff's executable (where `make install` puts
    it), on $PATH or in /usr/bin; else squashfuse_ll on $PATH or in
    /usr/bin (where Debian installs it). `only` (from
    $SKIFF_SQUASH_SERVER) restricts the search to that server. */
export function findServer(sys: Sys, pathVar: string | undefined, only?: string): Server {
  var dirs = (pathVar || "").split(":").concat(["/usr/bin"]);
  if (only !== undefined && only !== "" && only !== SQUASHD && only !== SQUASHFUSE_LL)
    fail("unknown SquashFS server: $SKIFF_SQUASH_SERVER=" + only, undefined,
         { hint: "it names " + SQUASHD + " or " + SQUASHFUSE_LL + ", or is unset to take the first installed" });
  if (only !== SQUASHFUSE_LL) {
    var own = ownDir(sys);
    var exe = search(sys, SQUASHD, (own === null ? [] : [own]).concat(dirs));
    if (exe !== null)
      return { name: SQUASHD, exe: exe };
    if (only === SQUASHD)
      fail("can't find " + SQUASHD + " next to skiff, on $PATH or in /usr/bin", undefined,
           { hint: "install skiff with make install, or unset SKIFF_SQUASH_SERVER" });
  }
  var ll = search(sys, SQUASHFUSE_LL, dirs);
  if (ll === null)
    return fail("can't find " + SQUASHFUSE_LL + " on $PATH or in /usr/bin", undefined, { hint: INSTALL_HINT });
  return { name: SQUASHFUSE_LL, exe: ll };
}

/** The fd number the server gets the FUSE connection on: not one it
    inherits anything else on, and never equal to the fd we hold it on
    (dup2() onto itself would keep close-on-exec set). */
export function serverFuseFd(fuseFd: number, outFd: number): number {
  var n = 3;
  while (n === fuseFd || n === outFd)
    n++;
  return n;
}

/** skiff-squashd's settings. Up to two threads on one image handle under a
    lock (--shared): with the kernel caching everything, the server is idle
    most of a read storm, a second thread (started once requests queue up,
    so rarely by a launch's one-at-a-time lookups) lets one reply while the
    other reads, and one handle a thread decompressed each block once per thread, for
    ~40% more CPU and no more files/s (README, findings). Caches: 56 MiB of
    blocks, within a 64 MiB budget with the server's own memory. */
export var SQUASHD_SETTINGS = ["--threads=2", "--shared", "--md-cache=8388608", "--frag-cache=33554432",
                               "--data-cache=16777216"];

/** The server's command line. skiff-squashd: the settings, the image and
    the fd. squashfuse_ll: -f stays in the foreground, so it stays our child
    (its death is our SIGCHLD) instead of forking a daemon; the mount point
    /dev/fd/N tells libfuse (3.3 and later) that the connection on fd N is
    already mounted. No -o options: Debian's squashfuse_ll has none that
    help (it is built single-threaded, and its libfuse 3 low-level session
    takes no cache or timeout options: its entries, attributes and file
    data are cached for good anyway); what does help is SERVER_TUNABLES.
    stats ($SKIFF_SQUASHD_STATS): a file skiff-squashd writes its request
    and block counters, CPU time and peak RSS to when it exits. */
export function serverArgv(server: string, image: string, fd: number, stats?: string): string[] {
  if (server === SQUASHD)
    return [SQUASHD].concat(SQUASHD_SETTINGS, stats ? ["--stats=" + stats] : [], [image, String(fd)]);
  return [SQUASHFUSE_LL, "-f", image, "/dev/fd/" + fd];
}

/** glibc malloc tuning for the server. squashfuse_ll decompresses each
    block into a freshly allocated buffer and frees it; by default glibc
    serves a 128 KiB buffer with mmap(2), or trims the heap's top back to
    the kernel on free, so every block read page-faults a new buffer in.
    Serving blocks (at most 1 MiB) from the heap and keeping 2 MiB at its
    top cut the server's page faults for a busybox launch from ~890 to ~250
    and the first exec through FUSE by half (bench/squash-launch, README).
    Transparent huge pages for that heap (glibc 2.35 and later; older ones
    ignore the name), with 4 MiB kept so that it holds a whole aligned huge
    page, halved the faults again (~210 to ~100): launch -2%, reads +1%. */
export var SERVER_TUNABLES =
  "glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=4194304:glibc.malloc.top_pad=4194304";

/** The server's environment: ours, with SERVER_TUNABLES ahead of any
    GLIBC_TUNABLES of the user's (later entries win, so theirs still do). */
export function serverEnviron(environ: string[]): string[] {
  var out: string[] = [];
  var user = "";
  for (var i = 0; i < environ.length; i++) {
    if (environ[i].indexOf("GLIBC_TUNABLES=") === 0)
      user = ":" + environ[i].slice("GLIBC_TUNABLES=".length);
    else
      out.push(environ[i]);
  }
  out.push("GLIBC_TUNABLES=" + SERVER_TUNABLES + user);
  return out;
}

/** Output of the server: its stdout and stderr go to a pipe we read. The
    pipe is non-blocking on both ends, so the server's writes can never
    block it (beyond the pipe's 64 KiB they are dropped), and reading
    never blocks us. */
export class ServerOutput {
  private text = "";
  private open = true;

  constructor(private sys: Sys, public fd: number) {}

  /** Read what is there; false once the server has closed its end (it
      exited). */
  drain(): boolean {
    while (this.open) {
      var chunk: string;
      try {
        chunk = this.sys.read(this.fd, 4096);
      } catch (e) {
        if (isErrno(e, "EAGAIN"))
          return true;
        throw e;
      }
      if (chunk === "")
        this.open = false;
      else if (this.text.length < 65536)
        this.text += chunk;
    }
    return false;
  }

  /** What it said, on one line. */
  message(): string {
    var lines = this.text.split("\n");
    var kept: string[] = [];
    for (var i = 0; i < lines.length; i++)
      if (lines[i].replace(/\s+/g, "") !== "")
        kept.push(lines[i].replace(/^\s+|\s+$/g, ""));
    var s = kept.join(" ");
    return s.length > 500 ? s.slice(0, 500) + "..." : s;
  }
}

/** 1 to 64: Linux's signal numbers (glibc leaves out its own two). */
function allSignals(): number[] {
  var out: number[] = [];
  for (var sig = 1; sig <= 64; sig++)
    out.push(sig);
  return out;
}

/** Start the server on fuseFd, its output going to outFd (the write end
    of the pipe); returns its PID. posix_spawn(3): nothing of this process
    is copied, and nothing of ours runs in the child. The server gets a
    process group of its own, so the terminal's SIGINT, SIGQUIT and SIGHUP
    (meant for the container; libfuse exits on them) don't reach it. Not a
    session of its own: with autogroup scheduling (Linux's default) that
    would be a separate scheduling group, and each request would wait
    longer for it to be scheduled (-20% small-file throughput). Every
    signal is set to its default: the server starts the same whatever
    skiff inherited, and glibc (2.36) does one system call a signal in the
    child, while we wait for its exec, instead of querying each first
    (124 calls, ~0.1 ms on a VM). */
export function spawnServer(sys: Sys, server: Server, image: string, fuseFd: number, outFd: number,
                            stats: string | undefined): number {
  var fd = serverFuseFd(fuseFd, outFd);
  var argv = serverArgv(server.name, image, fd, stats);
  var pid = attempt("can't execute " + server.exe, function () {
    return sys.posix_spawn(server.exe, argv, serverEnviron(sys.environ()), [
      ["dup2", fuseFd, fd], ["dup2", outFd, 1], ["dup2", outFd, 2],
      ["open", 0, "/dev/null", C.O_RDONLY, 0],
    ], { setpgroup: 0, setsigmask: [], setsigdef: allSignals() });
  }, { hint: INSTALL_HINT });
  if (log.enabled(log.LL_DEBUG))
    log.debug("started " + server.name + " (pid " + pid + "): " + argvToString(argv));
  return pid;
}
