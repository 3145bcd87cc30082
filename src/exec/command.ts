// ch_core.c's run_user_command(): replace this process with the user's
// command, same PID, nothing of skiff left behind.

import { EXIT_CMD, fail, isSysError } from "../log/fail";
import { argvToString } from "../log/argv";
import * as log from "../log/log";
import { Plan } from "../plan/plan";
import { C } from "../sys/constants";
import { Sys } from "../sys/sys";
import { State } from "./state";

/** Give SIGPIPE the disposition d. skiff ignores it while it sets up; an
    ignored signal stays ignored across execve, so the command must get the
    one skiff inherited back. */
export function setSigpipe(sys: Sys, d: "default" | "ignore"): void {
  sys.signal(C.SIGPIPE, d === "ignore" ? 1 : 0);
}

export function runCommand(st: State, command: Plan["command"]): never {
  var argv = command.argv, cwd = command.cwd;
  var sys = st.sys;
  if (cwd !== undefined) {
    try {
      sys.chdir(cwd);
    } catch (e) {
      fail("can't cd to " + cwd, e, { hint: "--cd takes a directory that exists in the container" });
    }
  }
  st.env.set("PWD", sys.getcwd());
  if (log.enabled(log.LL_VERBOSE))
    log.verbose("executing: " + argvToString(argv));
  try {
    sys.prctl(C.PR_SET_NO_NEW_PRIVS, 1);
  } catch (e) {
    fail("can't set no_new_privs", e);
  }
  if (log.verbosity() < log.LL_INFO)
    redirectToNull(st, 1);
  if (log.verbosity() < log.LL_STDERR)
    redirectToNull(st, 2);
  // execvpe(3) searches our own PATH: make it the container's.
  var path = st.env.get("PATH");
  if (path !== undefined)
    sys.setenv("PATH", path);
  else
    sys.unsetenv("PATH");
  setSigpipe(sys, command.sigpipe);
  try {
    return sys.execvpe(argv[0], argv, st.env.toList());
  } catch (e) {
    if (isSysError(e)) // we go on, to say why
      setSigpipe(sys, "ignore");
    return fail("can't execvpe(3): " + argv[0], e, {
      exitCode: EXIT_CMD,
      hint: "check that the command exists in the image and is executable, and the container's $PATH",
    });
  }
}

function redirectToNull(st: State, fd: number): void {
  var sys = st.sys;
  var n = sys.open("/dev/null", C.O_WRONLY);
  sys.dup2(n, fd);
  sys.close(n);
}
