import { fail } from "../log/fail";
import * as log from "../log/log";
import * as path from "../path/path";
import { C } from "../sys/constants";
import { mount } from "./mounts";
import { State } from "./state";

/** ch_core.c's pivot() dance (explained in Charliecloud's ch-checkns.c):
    move the new root's parent over "/" (pivot_root refuses a rootfs), then
    pivot_root with the old root parked on /dev (present in every image),
    and detach it, revealing the /dev bind beneath. */
export function pivot(st: State): void {
  var sys = st.sys;
  log.verbose("pivoting into container");
  var parts = path.split(st.newroot);
  try {
    sys.chdir(parts[0]);
    mount(sys, parts[0], "/", null, ["MS_MOVE"], null);
    sys.chroot(".");
  } catch (e) {
    fail("can't move " + parts[0] + " over /", e);
  }
  var newroot = "/" + parts[1];
  // one try for the four calls (a closure each cost a launch more), whose
  // failure names the call that failed
  var failed = "can't chdir into new root";
  try {
    sys.chdir(newroot);
    failed = "can't pivot_root(2)";
    sys.pivot_root(newroot, path.join(newroot, "dev"));
    failed = "can't chroot(2) into new root";
    sys.chroot(".");
    failed = "can't umount old root";
    sys.umount2("/dev", C.MNT_DETACH);
  } catch (e) {
    fail(failed, e);
  }
  st.newroot = "/";
  log.debug("pivot_root(2) dance successful");
}
