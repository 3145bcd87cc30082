// Running a program that does a job for skiff (mksquashfs, unsquashfs,
// tar): found on $PATH, given an argv array (never a string for a shell),
// waited for. A Ctrl-C (SIGINT), SIGTERM or SIGHUP meant for skiff stops the
// program and then fails, so that what the caller was making is removed on
// the way out instead of left half made.

import { argvToString } from "../log/argv";
import { attempt, fail } from "../log/fail";
import * as log from "../log/log";
import * as path from "../path/path";
import { C } from "../sys/constants";
import { describeWaitStatus, Getenv, Sys } from "../sys/sys";
import { failStopped, stops, stopsHeld } from "./interrupt";

/** Where Debian installs what we run, should $PATH lack it. */
var FALLBACK = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"];

/** The program called name on $PATH or in FALLBACK; null if none. */
function findProgram(sys: Sys, name: string, env: Getenv): string | null {
  var dirs = (env("PATH") || "").split(":").concat(FALLBACK);
  for (var i = 0; i < dirs.length; i++) {
    if (dirs[i].charAt(0) !== "/")
      continue;
    var exe = path.join(dirs[i], name);
    try {
      sys.access(exe, C.X_OK);
      return exe;
    } catch (e) {
      // not here
    }
  }
  return null;
}

/** Run argv (argv[0] a program's name, found as findProgram finds it) to
    its end, its standard output into file stdoutTo if given; fail unless
    it exits 0. pkg is the Debian package that has it, for the hint when it
    is missing. */
export function runProgram(sys: Sys, argv: string[], env: Getenv, pkg: string, stdoutTo?: string): void {
  var exe = findProgram(sys, argv[0], env);
  if (exe === null)
    fail("can't find " + argv[0] + " on $PATH or in " + FALLBACK.join(", "), undefined,
         { hint: "install it (Debian: apt install " + pkg + ")" });
  var exePath = exe as string;
  var waited = stops().concat([C.SIGCHLD]);
  log.verbose("running: " + argvToString(argv));
  sys.sigprocmask(C.SIG_BLOCK, waited);
  var status = -1;
  var stoppedBy = 0;
  try {
    var pid = attempt("can't run " + exePath, function () {
      var actions: NativeSpawnAction[] = stdoutTo === undefined ? []
        : [["open", 1, stdoutTo, C.O_WRONLY | C.O_CREAT | C.O_TRUNC, 0o600]];
      return sys.posix_spawn(exePath, argv, sys.environ(), actions,
                             { setsigmask: [], setsigdef: stops().concat([C.SIGPIPE]) });
    });
    while (status < 0) {
      var got = sys.sigtimedwait(waited, -1) as NativeSigInfo;
      if (got.signo !== C.SIGCHLD) {
        stoppedBy = got.signo;
        sys.kill(pid, C.SIGTERM);
        status = sys.waitpid(pid)[1];
      } else {
        var r = sys.waitpid(pid, C.WNOHANG);
        if (r[0] === pid)
          status = r[1];
      }
    }
  } finally {
    // Not the stops of a caller holding them (pull, import): one that came
    // now would end skiff before it removed what it made.
    sys.sigprocmask(C.SIG_UNBLOCK, stopsHeld() ? [C.SIGCHLD] : waited);
  }
  if (stoppedBy !== 0)
    failStopped(argv[0], stoppedBy);
  if (status !== 0)
    fail(argv[0] + " failed (" + describeWaitStatus(status) + ")", undefined, { hint: "its messages above say why" });
}

/** Make file by make(tmp), tmp a name beside it, then rename tmp over
    file: a failure or an interruption never leaves half a file under its
    name, nor the half file (unless skiff itself is killed). */
export function writeBeside(sys: Sys, file: string, make: (tmp: string) => void): void {
  var tmp = file + "." + sys.getpid() + ".part";
  try {
    make(tmp);
    sys.rename(tmp, file);
  } catch (e) {
    try {
      sys.unlink(tmp);
    } catch (gone) {
      // make() failed before creating it
    }
    throw e;
  }
}
