// The FUSE server: Debian's squashfuse_ll, run as our child on a FUSE
// connection mounted by us (squash.ts), so it needs no privilege, no
// fusermount3 and no mount point of its own.

import { attempt, fail, isErrno, isSysError } from "../log/fail";
import * as log from "../log/log";
import { argvToString } from "../log/argv";
import * as path from "../path/path";
import { Sys } from "../sys/sys";

export var SERVER = "squashfuse_ll";

var INSTALL_HINT = "install squashfuse (Debian, Ubuntu: apt-get install squashfuse; "
  + "Fedora, RHEL: dnf install squashfuse), or put " + SERVER + " on $PATH";

/** squashfuse_ll on $PATH, else in /usr/bin (where Debian installs it).
    Only absolute entries count, and any that can't be searched (EACCES,
    ENOENT, ...) is skipped, as execvp(3) does. */
export function findServer(sys: Sys, pathVar: string | undefined): string {
  var dirs = (pathVar || "").split(":").concat(["/usr/bin"]);
  for (var i = 0; i < dirs.length; i++) {
    if (dirs[i].charAt(0) !== "/")
      continue;
    var exe = path.join(dirs[i], SERVER);
    try {
      sys.access(exe, sys.constants.X_OK);
      if ((sys.stat(exe).mode & sys.constants.S_IFMT) === sys.constants.S_IFREG)
        return exe;
    } catch (e) {
      if (!isSysError(e))
        throw e;
    }
  }
  return fail("can't find " + SERVER + " on $PATH or in /usr/bin", undefined, { hint: INSTALL_HINT });
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

/** -f: stay in the foreground, so it stays our child (its death is our
    SIGCHLD) instead of forking a daemon. The mount point /dev/fd/N tells
    libfuse (3.3 and later) that the connection on fd N is already mounted.
    No -o options: Debian's squashfuse_ll has none that help (it is built
    single-threaded, and its libfuse 3 low-level session takes no cache or
    timeout options: its entries, attributes and file data are cached for
    good anyway); what does help is SERVER_TUNABLES. */
export function serverArgv(image: string, fd: number): string[] {
  return [SERVER, "-f", image, "/dev/fd/" + fd];
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

/** Start the server on fuseFd, its output going to outFd (the write end
    of the pipe); returns its PID. posix_spawn(3): nothing of this process
    is copied, and nothing of ours runs in the child. The server gets a
    process group of its own, so the terminal's SIGINT, SIGQUIT and SIGHUP
    (meant for the container; libfuse exits on them) don't reach it. Not a
    session of its own: with autogroup scheduling (Linux's default) that
    would be a separate scheduling group, and each request would wait
    longer for it to be scheduled (-20% small-file throughput). */
export function spawnServer(sys: Sys, exe: string, image: string, fuseFd: number, outFd: number): number {
  var fd = serverFuseFd(fuseFd, outFd);
  var argv = serverArgv(image, fd);
  var pid = attempt("can't execute " + exe, function () {
    return sys.posix_spawn(exe, argv, serverEnviron(sys.environ()), [
      ["dup2", fuseFd, fd], ["dup2", outFd, 1], ["dup2", outFd, 2],
      ["open", 0, "/dev/null", sys.constants.O_RDONLY, 0],
    ], { setpgroup: 0, setsigmask: [] });
  }, { hint: INSTALL_HINT });
  log.debug("started " + SERVER + " (pid " + pid + "): " + argvToString(argv));
  return pid;
}
