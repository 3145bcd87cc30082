// The SquashFS supervisor: the process that set up the mount stays behind,
// small and single-threaded, relays the container's exit status (128+N for
// signal N), and exits only when the last process of the container has
// exited: the direct child and every orphan it left (which come to us, a
// child subreaper).
//
// It unmounts nothing: the mount exists only in the container's mount
// namespaces (squash.ts), so the kernel keeps it exactly as long as any
// process of the container lives, including processes that joined the
// container's namespaces, and unmounts it when the last one exits. The
// server's connection then ends and it exits by itself; we reap it and
// exit. So unlike ch-run (its issue #1161) the image can't go away under a
// process still using it, and nothing is left when we are gone, even if
// we are SIGKILLed.

import { Exit, EXIT_MISC_ERR, EXIT_SQUASH, fail, isErrno, isSysError } from "../log/fail";
import * as log from "../log/log";
import { C } from "../sys/constants";
import { host } from "../sys/host";
import { readFile, Sys } from "../sys/sys";
import { ServerOutput } from "./server";
import { describeStatus, exitCodeOf, parseChildren, signalOf } from "./status";

/** How long squashfuse_ll may take to open the image and answer. */
var READY_TIMEOUT_MS = 30000;
/** How long the server may take to exit once the container is gone, and
    the container's last process to be reaped once the server saw it go. */
var EXIT_TIMEOUT_MS = 2000;

/** Signals handled between collections of our garbage: a container can
    send us any number (each orphan it leaves is a SIGCHLD), and Duktape
    collects only when told (native/duktape/config.yaml). */
var SIGNALS_PER_GC = 64;

var CORRUPT_HINT = "is it a complete, uncorrupted SquashFS image? check with: unsquashfs -s IMAGE";

/** ch-run's words when its sqfs_ll_open() fails (doc/images.md), whatever
    skiff learnt goes in the hint. */
function cantOpen(image: string): string {
  return "can't open SquashFS: " + image + "; try ch-run -vv?";
}

/** What the supervisor watches. */
export interface Supervised {
  image: string;
  /** The container's process. */
  child: number;
  server: number;
  /** Its name, for messages. */
  serverName: string;
  /** The child writes "r" here once the image answers; EOF if it exits
      first. */
  ready: number;
  output: ServerOutput;
}

/** The child's side of readiness: the kernel's own wait. A stat() of the
    mount point sends the first request, which the kernel holds until the
    server has answered FUSE_INIT, and fails with ENOTCONN or ECONNABORTED
    if the server exits first. No polling; the supervisor bounds the
    wait. Returns the stat of the image's root. */
export function awaitImage(sys: Sys, image: string, mountpoint: string, ready: number): NativeStat {
  var root: NativeStat;
  try {
    root = sys.stat(mountpoint);
  } catch (e) {
    if (isErrno(e, "ENOTCONN", "ECONNABORTED"))
      sys.exit(EXIT_MISC_ERR); // the server died: the supervisor says why
    if (!isSysError(e))
      throw e;
    fail(cantOpen(image), undefined, { hint: "the mount point says: " + e.strerror + "; "
                                              + CORRUPT_HINT.replace("IMAGE", image) });
  }
  sys.write(ready, "r");
  sys.close(ready);
  return root;
}

/** waitpid() that returns null when there are no children at all. */
function waitOrNull(sys: Sys, pid: number, options: number): [number, number] | null {
  try {
    return sys.waitpid(pid, options);
  } catch (e) {
    if (isErrno(e, "ECHILD"))
      return null;
    throw e;
  }
}

function killQuietly(sys: Sys, pid: number, sig: number): void {
  try {
    sys.kill(pid, sig);
  } catch (e) {
    if (!isErrno(e, "ESRCH"))
      throw e;
  }
}

/** Our children but the server, from /proc: the container's direct child
    and the orphans that came to us as subreaper. Null if this kernel does
    not list children (CONFIG_PROC_CHILDREN). */
function containerChildren(sys: Sys, server: number): number[] | null {
  var pid = sys.getpid();
  var text: string;
  try {
    text = readFile(sys, "/proc/" + pid + "/task/" + pid + "/children");
  } catch (e) {
    if (isErrno(e, "ENOENT"))
      return null;
    throw e;
  }
  return parseChildren(text).filter(function (p) { return p !== server; });
}

class Supervisor {
  /** Wait statuses, once reaped. */
  private childStatus: number | null = null;
  private serverStatus: number | null = null;

  constructor(private sys: Sys, private s: Supervised) {}

  /** Reap what has exited; with block, wait for one first. */
  private reap(block: boolean): void {
    for (var options = block ? 0 : C.WNOHANG; ; options = C.WNOHANG) {
      var r = waitOrNull(this.sys, -1, options);
      if (r === null || r[0] === 0)
        return;
      if (r[0] === this.s.child) {
        this.childStatus = r[1];
        log.verbose("child " + describeStatus(r[1]));
      } else if (r[0] === this.s.server) {
        this.serverStatus = r[1];
        log.debug(this.s.serverName + " " + describeStatus(r[1]));
      } else {
        log.debug("reaped pid " + r[0] + ", an orphan of the container");
      }
    }
  }

  /** SIGKILL every process of the container we can reach, orphans
      included as they come to us, and reap them. */
  private killContainer(): void {
    for (;;) {
      var kids = containerChildren(this.sys, this.s.server);
      if (kids === null)
        kids = this.childStatus === null ? [this.s.child] : [];
      if (kids.length === 0)
        return;
      for (var i = 0; i < kids.length; i++)
        killQuietly(this.sys, kids[i], C.SIGKILL);
      this.reap(true);
    }
  }

  /** Once the container is gone the server exits by itself; SIGKILL it if
      it has not within EXIT_TIMEOUT_MS. sigtimedwait() on SIGCHLD: no
      sleeping. */
  private awaitServer(): void {
    var deadline = this.sys.monotonic() + EXIT_TIMEOUT_MS;
    while (this.serverStatus === null) {
      var left = deadline - this.sys.monotonic();
      if (left <= 0) {
        log.debug(this.s.serverName + " still running after the container; killing it");
        killQuietly(this.sys, this.s.server, C.SIGKILL);
        left = -1;
      }
      this.sys.sigtimedwait([C.SIGCHLD], left);
      this.reap(false);
    }
  }

  /** The server exits by itself when its file system is gone (with 0, or
      ECONNABORTED's 103 when its read saw the connection aborted), which
      happens when the container's last process exits its namespace, before
      that process can be reaped: give it a moment. */
  private awaitChild(): void {
    var deadline = this.sys.monotonic() + EXIT_TIMEOUT_MS;
    for (;;) {
      var left = deadline - this.sys.monotonic();
      if (this.childStatus !== null || left <= 0)
        return;
      this.sys.sigtimedwait([C.SIGCHLD], left);
      this.reap(false);
    }
  }

  /** Give up: stop the container and the server, and say why. */
  private abort(message: string, hint: string, exitCode: number): never {
    this.s.output.drain();
    this.killContainer();
    this.awaitServer();
    this.s.output.drain();
    return fail(message, undefined, { hint: hint, exitCode: exitCode });
  }

  /** The server exited before the image answered: its message is the
      error. */
  private failOpen(): never {
    this.awaitServer();
    this.s.output.drain();
    var said = this.s.output.message();
    var status = this.serverStatus === null ? "" : this.s.serverName + " " + describeStatus(this.serverStatus);
    return this.abort(cantOpen(this.s.image),
                      [said, status, CORRUPT_HINT.replace("IMAGE", this.s.image)].filter(Boolean).join("; "),
                      EXIT_MISC_ERR);
  }

  /** Until the image answers, or the child or the server exits first, or
      time runs out: poll(2) blocks on the child's pipe and the server's
      output at once. */
  private start(): void {
    var sys = this.sys;
    var t0 = sys.monotonic();
    var event = "timeout";
    for (;;) {
      var left = t0 + READY_TIMEOUT_MS - sys.monotonic();
      if (left <= 0)
        break;
      var revents = sys.poll([this.s.ready, this.s.output.fd], [C.POLLIN, C.POLLIN], left);
      if (revents[0] !== 0) {
        event = sys.read(this.s.ready, 1) === "r" ? "ready" : "child exited";
        break;
      }
      if (revents[1] !== 0 && !this.s.output.drain()) {
        event = "server exited";
        break;
      }
    }
    log.debug("SquashFS: " + event + " after " + (sys.monotonic() - t0).toFixed(1) + " ms");
    if (event === "server exited")
      this.failOpen();
    if (event === "timeout") {
      killQuietly(sys, this.s.server, C.SIGKILL);
      this.abort(this.s.serverName + " did not answer within " + READY_TIMEOUT_MS / 1000 + " s: " + this.s.image,
                 "is the file system holding the image responsive?", EXIT_MISC_ERR);
    }
    // The child said why it exited, unless the server died first.
    if (event === "child exited" && !this.s.output.drain())
      this.failOpen();
    sys.close(this.s.ready);
  }

  run(): never {
    var sys = this.sys;
    this.start();
    // Ctrl-C and hang-ups are the container's business (the terminal sends
    // them to it too); a request to terminate is passed on to it.
    var forwarded = [C.SIGTERM, C.SIGUSR1, C.SIGUSR2];
    sys.sigprocmask(C.SIG_BLOCK, forwarded);
    sys.signal(C.SIGINT, 1);
    sys.signal(C.SIGHUP, 1);
    sys.signal(C.SIGPIPE, 1);
    var waited = [C.SIGCHLD].concat(forwarded);
    for (var handled = 1; ; handled++) {
      if (handled % SIGNALS_PER_GC === 0)
        host().gc();
      this.reap(false);
      if (this.serverStatus !== null) {
        var killed = signalOf(this.serverStatus) !== 0;
        if (this.childStatus === null && !killed)
          this.awaitChild();
        if (this.childStatus === null || killed)
          this.serverDied();
        break;
      }
      var info = sys.sigtimedwait(waited, -1) as NativeSigInfo;
      if (info.signo !== C.SIGCHLD)
        this.forward(info.signo);
    }
    log.verbose("container done");
    throw new Exit(exitCodeOf(this.childStatus as number));
  }

  /** Pass sig on to the container: its direct child, else the orphans it
      left. If none is left, the server only waits for processes that
      joined the container, or for a reference to its file system from
      outside: a request to terminate is then for the server (SIGTERM: it
      exits cleanly). */
  private forward(sig: number): void {
    var targets = this.childStatus === null ? [this.s.child] : containerChildren(this.sys, this.s.server) || [];
    if (targets.length === 0) {
      log.verbose("no process of the container left; stopping " + this.s.serverName);
      killQuietly(this.sys, this.s.server, C.SIGTERM);
    }
    for (var i = 0; i < targets.length; i++)
      killQuietly(this.sys, targets[i], sig);
  }

  /** The server exited while the container was running: its root is gone. */
  private serverDied(): never {
    var status = this.serverStatus as number;
    this.s.output.drain();
    var said = this.s.output.message();
    return this.abort(this.s.serverName + " " + describeStatus(status) + " while the container was running: "
                      + this.s.image + (said !== "" ? ": " + said : ""),
                      "the container lost its root file system and was killed", EXIT_SQUASH);
  }
}

export function supervise(sys: Sys, s: Supervised): never {
  return new Supervisor(sys, s).run();
}
