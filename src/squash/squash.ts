// SquashFS images (doc/images.md §3.5), mounted between ch_core.c's two
// namespace layers. In the outer user namespace we are root, so we mount
// FUSE ourselves: open /dev/fuse, mount the connection at the mount point,
// and hand it to squashfuse_ll as /dev/fd/N. The mount needs no
// fusermount3, and exists before the server starts.
//
// The mount is made in a mount namespace of its own, which only the
// container's process enters (the container's namespace is then copied
// from it); we and the server stay outside. So nothing holds the mount but
// the container: it goes away with the container's last process, whatever
// happens to us, and the server exits then (supervisor.ts).

import { attempt, EXIT_MISC_ERR, fail, isErrno, isSysError } from "../log/fail";
import * as log from "../log/log";
import { mount } from "../exec/mounts";
import { State } from "../exec/state";
import { Step } from "../plan/plan";
import { C } from "../sys/constants";
import { Sys } from "../sys/sys";
import { DirId, fdPath, openMountpoint } from "./mountpoint";
import { findServer, Server, ServerOutput, spawnServer } from "./server";
import { awaitImage, supervise } from "./supervisor";

type SquashStep = Extract<Step, { op: "squash-mount" }>;

function openFuseDevice(sys: Sys): number {
  try {
    return sys.open("/dev/fuse", C.O_RDWR);
  } catch (e) {
    if (isErrno(e, "ENOENT", "ENODEV", "ENXIO"))
      return fail("can't open /dev/fuse", e, {
        hint: "this kernel has no FUSE device: as root, load the module (modprobe fuse), "
          + "or run the image unpacked (unsquashfs -d DIR IMAGE; ch-run DIR)",
      });
    if (isErrno(e, "EACCES", "EPERM"))
      return fail("can't open /dev/fuse", e, {
        hint: "you may not use FUSE: as root, chmod 0666 /dev/fuse (what the fuse3 package's udev rule does), "
          + "or run the image unpacked (unsquashfs -d DIR IMAGE; ch-run DIR)",
      });
    return fail("can't open /dev/fuse", e);
  }
}

/** Mount the FUSE connection on fd on the directory open as dir (mount
    point p), read-only, for our own (outer namespace) IDs, as libfuse
    would mount it for the server. */
function mountFuse(sys: Sys, fd: number, dir: number, p: string, server: Server): void {
  var data = "fd=" + fd + ",rootmode=40000,user_id=" + sys.getresuid()[1] + ",group_id=" + sys.getresgid()[1];
  attempt("can't mount SquashFS at " + p, function () {
    mount(sys, server.name, fdPath(dir), "fuse." + server.name, ["MS_RDONLY", "MS_NOSUID", "MS_NODEV"], data);
  });
}

/** The calling process's mount namespace, as an fd for setns(2). */
function mountNamespace(sys: Sys): number {
  return sys.open("/proc/self/ns/mnt", C.O_RDONLY);
}

/** The working directory, held open so that we can return to it after
    setns(2) even if it was deleted; null if we can't (we may no longer
    search it): then the work goes on in /, as ch-run's would after its
    pivot. */
function openCwd(sys: Sys): number | null {
  try {
    return sys.open(".", C.O_PATH | C.O_DIRECTORY);
  } catch (e) {
    if (!isSysError(e))
      throw e;
    log.verbose("can't keep the working directory; using / (" + e.message + ")");
    return null;
  }
}

/** setns(2) into the mount namespace on fd, keeping the working directory
    (setns moves it to the namespace's root). */
function enterMountNamespace(sys: Sys, fd: number, cwd: number | null): void {
  sys.setns(fd, C.CLONE_NEWNS);
  if (cwd !== null)
    sys.fchdir(cwd);
}

/** Mount the image at the step's mount point and fork; returns in the
    child, which goes on to build the container there. */
export function mountSquash(st: State, s: SquashStep): void {
  var sys = st.sys;
  var checked = st.mountpoint as DirId; // the "mountpoint" step came first
  // the host's environment, before any hook ran
  var server = findServer(sys, st.env.get("PATH"), st.env.get("SKIFF_SQUASH_SERVER"));
  log.verbose("mounting SquashFS " + s.image + " at " + s.mountpoint + " with " + server.exe);
  var fuse = openFuseDevice(sys);
  var cwd = openCwd(sys);
  var outer = mountNamespace(sys);
  sys.unshare(C.CLONE_NEWNS);
  var own = mountNamespace(sys);
  try {
    var dir = openMountpoint(sys, s.mountpoint, checked);
    mountFuse(sys, fuse, dir, s.mountpoint, server);
    sys.close(dir);
  } finally {
    enterMountNamespace(sys, outer, cwd);
    sys.close(outer);
  }
  // A set-user-ID fusermount3 must gain nothing should libfuse ever run
  // it; the container gets no_new_privs anyway.
  sys.prctl(C.PR_SET_NO_NEW_PRIVS, 1);
  // Started first: its start-up is the longest part of the launch.
  var out = sys.pipe(C.O_NONBLOCK);
  var pid = spawnServer(sys, server, s.image, fuse, out[1], st.env.get("SKIFF_SQUASHD_STATS"));
  // The server's are now the only references to the connection (the
  // mount's is not one): when it exits, the connection is aborted, and its
  // output pipe reaches EOF.
  sys.close(fuse);
  sys.close(out[1]);
  var events = sys.pipe();
  // Blocked before the fork, so that no child's exit goes unseen: the
  // supervisor takes SIGCHLD with sigtimedwait(). Orphans of the container
  // come to us, so that we can stop them if the server dies.
  sys.sigprocmask(C.SIG_BLOCK, [C.SIGCHLD]);
  sys.prctl(C.PR_SET_CHILD_SUBREAPER, 1);
  var parent = sys.getpid();
  var child = sys.fork();
  if (child === 0) {
    sys.close(events[0]);
    sys.close(out[0]);
    // The container can't outlive its supervisor.
    sys.prctl(C.PR_SET_PDEATHSIG, C.SIGKILL);
    if (sys.getppid() !== parent)
      sys.exit(EXIT_MISC_ERR);
    sys.sigprocmask(C.SIG_SETMASK, []);
    enterMountNamespace(sys, own, cwd);
    sys.close(own);
    if (cwd !== null)
      sys.close(cwd);
    // By path from here on (claiming the root, pivoting): the path leads
    // to the mount, and only we and root can change where it leads.
    if (awaitImage(sys, s.image, s.mountpoint, events[1]).dev === checked.dev)
      fail("mount point changed while in use: " + s.mountpoint);
    return;
  }
  sys.close(own);
  if (cwd !== null)
    sys.close(cwd);
  sys.close(events[1]);
  supervise(sys, { image: s.image, child: child, server: pid, serverName: server.name, ready: events[0],
                   output: new ServerOutput(sys, out[0]) });
}
