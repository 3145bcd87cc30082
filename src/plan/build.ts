// Options + image + host facts → Plan, following ch_core.c's containerize()
// and mounts_setup() step by step.

import { Options } from "../cli/options";
import { hookAdd, HookLists } from "../hooks/hooks";
import { Image } from "../image/image";
import { Getenv, MountFlag } from "../sys/sys";
import { joinPlan } from "./join";
import { BindFlag, CdiPlan, HookAction, Plan, Step } from "./plan";

/** What planning needs to know about the host; gathered by main(). */
export interface HostFacts {
  euid: number;
  egid: number;
  /** $USER */
  user: string;
  /** $TMPDIR or /tmp: the container's /tmp and where passwd/group are made. */
  hostTmp: string;
  /** The environment, whole (the container's starts from it)... */
  environ: string[];
  /** ...and by name, without indexing all of it (a job's environment has
      hundreds of variables; planning reads a few). */
  getenv: Getenv;
  /** getppid(): the --join tag when nothing else gives one. */
  ppid: number;
  /** Where a SquashFS image is mounted: -m's directory, canonical, else
      the default (/var/tmp/$USER.ch/mnt, created if missing). */
  squashMount: string;
  /** SIGPIPE's disposition as skiff inherited it. */
  sigpipe: "default" | "ignore";
}

/** ch_core.c's BINDS_DEFAULT: /dev, /proc, /sys required, the rest optional. */
var DEFAULT_BINDS: Array<{ path: string; optional: boolean }> = [
  { path: "/dev", optional: false },
  { path: "/proc", optional: false },
  { path: "/sys", optional: false },
  { path: "/etc/hosts", optional: true },
  { path: "/etc/machine-id", optional: true },
  { path: "/etc/resolv.conf", optional: true },
  // Cray (#1473), Gemini/Aries interconnect, Shasta/Slingshot
  { path: "/var/lib/hugetlbfs", optional: true },
  { path: "/etc/opt/cray/wlm_detect", optional: true },
  { path: "/opt/cray/wlm_detect", optional: true },
  { path: "/opt/cray/alps", optional: true },
  { path: "/opt/cray/udreg", optional: true },
  { path: "/opt/cray/ugni", optional: true },
  { path: "/opt/cray/xpmem", optional: true },
  { path: "/var/opt/cray/alps", optional: true },
  { path: "/var/spool/slurmd", optional: true },
];

/** cdi: what -d/--device add (src/cdi/), planned from their spec files (src/cdiplan/). */
export function buildPlan(o: Options, image: Image, host: HostFacts, cdi?: CdiPlan): Plan {
  var uid = o.uid !== undefined ? o.uid : host.euid;
  var gid = o.gid !== undefined ? o.gid : host.egid;
  var steps: Step[] = [];
  var hooks: HookLists<HookAction> = { host: [], guest: [], all: [] };
  var newroot = image.path;

  // Two nested user namespaces: the outer makes us root so squashfuse can
  // mount; the inner gives the requested IDs. One code path for all images,
  // but the outer has a mount namespace of its own only for SquashFS (the
  // image is mounted there): for a directory it would be copied from the
  // host's and dropped at once, and the kernel frees a namespace's mounts
  // only after an RCU grace period, which the launch waits for (doc/container.md §4.1).
  var squash = image.kind === "squash";
  if (squash) {
    newroot = host.squashMount;
    steps.push({ op: "mountpoint", path: newroot, create: o.mount === undefined });
  }
  steps.push({ op: "userns", map: { uidOut: host.euid, uidIn: 0, gidOut: host.egid, gidIn: 0 }, mountns: squash });
  if (squash)
    steps.push({ op: "squash-mount", image: image.path, mountpoint: newroot });
  steps.push({ op: "userns", map: { uidOut: 0, uidIn: uid, gidOut: 0, gidIn: gid }, mountns: true });

  steps.push({ op: "claim-root" });
  if (!o.writable)
    steps.push({ op: "remount-ro" });
  if (o.writeFake !== undefined)
    steps.push({ op: "write-fake", size: o.writeFake });
  // The default binds' flag lists are shared (plans are read, never
  // changed): two arrays fewer to make for each.
  var optional: BindFlag[] = ["src-optional", "dst-optional"], required: BindFlag[] = [];
  var readOnly: MountFlag[] = ["MS_RDONLY"];
  for (var i = 0; i < DEFAULT_BINDS.length; i++) {
    var b = DEFAULT_BINDS[i];
    steps.push({ op: "bind", src: b.path, dst: b.path, why: "default", flags: b.optional ? optional : required,
                 mountFlags: readOnly });
  }
  if (!o.noPasswd) {
    // one tmpfs for both: detaching a mount waits for an RCU grace period
    steps.push({ op: "files", files: [
      { dst: "/etc/passwd", content: { kind: "passwd", uid: uid, gid: gid }, tmpName: "ch-run_passwd" },
      { dst: "/etc/group", content: { kind: "group", gid: gid }, tmpName: "ch-run_group" },
    ] });
  }
  if (o.privateTmp)
    steps.push({ op: "tmpfs", dst: "/tmp" });
  else
    steps.push({ op: "bind", src: host.hostTmp, dst: "/tmp", flags: [], mountFlags: [], why: "host /tmp" });
  if (o.hostHome !== undefined)
    steps.push({ op: "bind", src: o.hostHome, dst: "/home/" + host.user, flags: ["dst-create"], mountFlags: [],
                 why: "--home" });
  for (var j = 0; j < o.binds.length; j++)
    steps.push({ op: "bind", src: o.binds[j].src, dst: o.binds[j].dst, flags: ["dst-create"], mountFlags: [],
                 why: "--bind" });
  if (cdi !== undefined) {
    steps = steps.concat(cdi.steps);
    if (cdi.links.length > 0)
      hookAdd(hooks.host, "fail", "cdi-create-symlinks", { op: "cdi-links", links: cdi.links });
    // before pivot, where the user's cache can be reached
    if (cdi.ldcache !== undefined)
      hookAdd(hooks.host, "fail", "cdi-update-ldcache", { op: "cdi-ldcache", ld: cdi.ldcache });
  }
  steps.push({ op: "hooks", list: "host" });
  steps.push({ op: "pivot" });
  steps.push({ op: "hooks", list: "guest" });

  hookAdd(hooks.guest, "fail", "env-defaults-first",
          { op: "env-defaults-first", home: o.hostHome !== undefined ? ["/home/" + host.user] : ["/root", "/"] });
  var cdiEnv = cdi !== undefined ? cdi.env : [];
  var c = 0;
  for (var k = 0; k <= o.envDeltas.length; k++) {
    // a spec's env goes where its -d/--device was among the deltas
    for (; c < cdiEnv.length && cdiEnv[c].at === k; c++)
      hookAdd(hooks.guest, "ok", "env-set-cdi", { op: "env-delta", delta: cdiEnv[c].delta, expand: false });
    if (k === o.envDeltas.length)
      break;
    var d = o.envDeltas[k];
    hookAdd(hooks.guest, "ok", d.kind === "unset" ? "env-unset" : d.kind === "set" ? "env-set" : "env-set-gfile",
            { op: "env-delta", delta: d, expand: !o.envNoExpand });
  }
  hookAdd(hooks.guest, "fail", "env-defaults-last", { op: "env-defaults-last" });
  if (o.seccomp)
    hookAdd(hooks.all, "fail", "seccomp", { op: "seccomp" });

  var plan: Plan = {
    newroot: newroot,
    steps: steps,
    hooks: hooks,
    command: { argv: o.command, cwd: o.cd, sigpipe: host.sigpipe },
    environ: host.environ,
  };
  if (o.joinPid !== undefined)
    plan.joinPid = o.joinPid;
  var join = joinPlan(o, host.getenv, host.ppid);
  if (join !== undefined)
    plan.join = join;
  return plan;
}
