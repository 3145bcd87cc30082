// --join-pid=PID: join the container PID runs in, with no peer group and no
// set-up of our own (doc/join.md §5). The command's environment is made from
// our own, as for a container of our own (defaults, --set-env,
// --unset-env); to take the target's instead, pass
// --env-no-expand --set-env0=/proc/PID/environ.

import { joinNamespaces } from "../exec/namespaces";
import { fail } from "../log/fail";
import { Sys } from "../sys/sys";

export function joinProcess(sys: Sys, pid: number): void {
  var ours = sys.stat("/proc/self/ns/user").ino;
  joinNamespaces(sys, pid, function (type, ns) {
    if (type === "user" && ns.ino === ours)
      fail("join: pid " + pid + " is not in a container: its user namespace is ours", undefined,
           { hint: "--join-pid takes the PID of a process in a container, e.g. from the `executing:` line of "
             + "skiff run -v" });
  });
}
