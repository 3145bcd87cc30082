import { attempt } from "../log/fail";
import * as log from "../log/log";
import * as path from "../path/path";
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
  attempt("can't move " + parts[0] + " over /", function () {
    sys.chdir(parts[0]);
    mount(sys, parts[0], "/", null, ["MS_MOVE"], null);
    sys.chroot(".");
  });
  var newroot = "/" + parts[1];
  attempt("can't chdir into new root", function () { sys.chdir(newroot); });
  attempt("can't pivot_root(2)", function () { sys.pivot_root(newroot, path.join(newroot, "dev")); });
  attempt("can't chroot(2) into new root", function () { sys.chroot("."); });
  attempt("can't umount old root", function () { sys.umount2("/dev", sys.constants.MNT_DETACH); });
  st.newroot = "/";
  log.debug("pivot_root(2) dance successful");
}
