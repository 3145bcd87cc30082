// A selection's containerEdits → the plan's CDI part (plain data): env as
// --set-env deltas, file mounts merged per host directory (ch_core.c's
// BD_DST_MERGE), directory mounts as binds, device nodes checked (and bound
// where the container path differs), hooks interpreted (hooks.ts), and
// warnings for what an unprivileged container can't do.

import { fail } from "../log/fail";
import * as log from "../log/log";
import * as path from "../path/path";
import type { Image } from "../image/image";
import type { CdiPlan } from "../plan/plan";
import { C } from "../sys/constants";
import { MountFlag, Sys } from "../sys/sys";
import type { Cache, CacheTools } from "../cdi/cache";
import type { Planned } from "../cdi/plancache";
import { HookEffects, interpretHook } from "./hooks";
import { Selection } from "./select";
import { ContainerEdits, Mount } from "./spec";

/** Guest directory the merged host directories are bound under (in the -W
    layer; /ch is where Charliecloud images keep their metadata). */
var CDI_SCRATCH = "/ch/cdi";

/** OCI mount options that become mount flags; the other bind options are
    what a bind is anyway (bind, rbind, rw, propagation). */
var OPTION_FLAGS: { [option: string]: MountFlag } = {
  ro: "MS_RDONLY", nosuid: "MS_NOSUID", nodev: "MS_NODEV", noexec: "MS_NOEXEC",
};
var BIND_OPTIONS = ["bind", "rbind", "rw", "private", "rprivate", "slave", "rslave", "shared", "rshared",
                    "unbindable", "runbindable"];

/** The mount flags of m's options, or null if m is not a bind; same:
    whether any mount with these options gets them without a message. */
function mountFlagsOf(m: Mount, where: string): { flags: MountFlag[] | null; same: boolean } {
  var options = m.options || [];
  var bind = m.type === undefined || m.type === "" || m.type === "bind" || m.type === "none"
    || options.indexOf("bind") >= 0 || options.indexOf("rbind") >= 0;
  if (!bind) {
    log.warning("CDI: ignoring " + where + ": mount type " + m.type + " (skiff makes bind mounts only)");
    return { flags: null, same: false };
  }
  var flags: MountFlag[] = [];
  var same = true;
  for (var i = 0; i < options.length; i++) {
    var f = OPTION_FLAGS[options[i]];
    if (f !== undefined && flags.indexOf(f) < 0) {
      flags.push(f);
    } else if (f === undefined && BIND_OPTIONS.indexOf(options[i]) < 0) {
      log.verbose("CDI: " + where + ": ignoring mount option " + options[i]);
      same = false;
    }
  }
  return { flags: flags, same: same };
}

var REGENERATE = "the driver may have changed since the spec was written: an administrator regenerates it "
  + "(e.g. nvidia-ctk cdi generate)";

/** Builds the plan's CDI part edit by edit. */
class Planner {
  plan: CdiPlan = { steps: [{ op: "mkdir", dst: CDI_SCRATCH, why: "CDI scratch" }], env: [], links: [] };
  private effects: HookEffects = { links: this.plan.links, folders: [] };
  /** Merged host directory (+ flags) → its guest directory. */
  private merged: { [key: string]: string } = {};
  private usedDirs: { [guest: string]: boolean } = {};
  private dsts: { [guest: string]: string } = {};
  private realDirs: { [dir: string]: string } = {};
  /** Flags of each set of mount options (mountFlagsOf()), and joined. */
  private flags: { [options: string]: { list: MountFlag[]; key: string } } = {};
  /** What the mounts bind, and from which spec files: the ld cache's key. */
  private hostFiles: NativeStat[] = [];
  specs: string[] = [];
  /** Every host path looked at, and what probe() found: the plan's key. */
  hostPaths: string[] = [];
  probed: Array<NativeStat | null> = [];
  /** imageKey() of the image, if the ld cache's key needed it. */
  imageVersion = "";

  constructor(private sys: Sys, private ld: LdContext) {}

  /** The guest directory that host directory dir is to be bound at with
      flags (flagsKey: them joined), for a pair not merged yet
      (this.merged[dir + "\0" + flagsKey]): its merge-dir step added. */
  private mergeDir(dir: string, flags: MountFlag[], flagsKey: string, why: string): string {
    // ch_core.c's name, '/' → '_'; distinct if two directories (or two
    // sets of flags) would share one
    var base = path.join(CDI_SCRATCH, dir.replace(/\//g, "_"));
    var guest = base;
    for (var n = 2; this.usedDirs[guest]; n++)
      guest = base + "+" + n;
    this.usedDirs[guest] = true;
    this.merged[dir + "\0" + flagsKey] = guest;
    this.plan.steps.push({ op: "merge-dir", src: dir, dst: guest, mountFlags: flags, why: why });
    return guest;
  }

  // What is done per mount (60 in a GPU spec) is written out rather than
  // called where it can be: a call costs Duktape more than most of these lines.
  private mount(m: Mount, where: string): void {
    // the same options, the same flags: a spec's 60 mounts have one or two sets
    var optionsKey = m.type + "\0" + (m.options ? m.options.join("\0") : "");
    var flags = this.flags[optionsKey];
    if (flags === undefined) {
      var f = mountFlagsOf(m, where);
      if (f.flags === null)
        return;
      flags = { list: f.flags, key: f.flags.join("|") };
      if (f.same)
        this.flags[optionsKey] = flags;
    }
    var dst = path.normalize(m.containerPath);
    if (dst === null || dst === "/")
      return fail(where + ": containerPath can't be " + m.containerPath, undefined, { hint: REGENERATE });
    // lstat, and stat if it is a link: both kept for the plan's key
    var probed = this.probed.length;
    var st = this.ld.tools.probe(this.sys, m.hostPath, this.probed);
    var link = this.probed.length > probed + 1;
    this.hostPaths.push(m.hostPath);
    if (st === null)
      return fail(where + ": hostPath not found on this host: " + m.hostPath, undefined, { hint: REGENERATE });
    if (this.dsts[dst] !== undefined) {
      log.verbose("CDI: " + where + ": " + dst + " already mounted (" + this.dsts[dst] + "); skipped");
      return;
    }
    this.dsts[dst] = where;
    this.hostFiles.push(st);
    if ((st.mode & C.S_IFMT) === C.S_IFDIR) {
      // one mount either way, and no siblings exposed
      this.plan.steps.push({ op: "bind", src: m.hostPath, dst: dst, flags: ["dst-create"], mountFlags: flags.list,
                             why: where });
      return;
    }
    // links resolved, so the file's own directory is the one bound; that
    // of a file that is no link resolved once (the files of a spec share
    // two or three)
    var file = link ? this.sys.realpath(m.hostPath) : m.hostPath;
    var slash = file.lastIndexOf("/");
    var dir = slash > 0 ? file.slice(0, slash) : path.dirname(file);
    var name = slash > 0 ? file.slice(slash + 1) : path.basename(file);
    var real = link ? dir : this.realDirs[dir];
    if (real === undefined)
      real = this.realDirs[dir] = this.sys.realpath(dir);
    var guestDir = this.merged[real + "\0" + flags.key];
    if (guestDir === undefined)
      guestDir = this.mergeDir(real, flags.list, flags.key, where);
    var l = { dst: dst, target: guestDir + "/" + name, why: where };
    var last = this.plan.steps[this.plan.steps.length - 1];
    if (last.op === "merge-links")
      last.links.push(l);
    else
      this.plan.steps.push({ op: "merge-links", links: [l] });
  }

  /** env gets e's NAME=VALUE entries (checked by spec.ts). */
  edits(e: ContainerEdits | undefined, where: string, env: string[]): void {
    if (e === undefined)
      return;
    var i;
    for (i = 0; e.env && i < e.env.length; i++)
      env.push(e.env[i]);
    for (i = 0; e.mounts && i < e.mounts.length; i++)
      this.mount(e.mounts[i], where + ".mounts[" + i + "]");
    for (i = 0; e.deviceNodes && i < e.deviceNodes.length; i++) {
      var dn = e.deviceNodes[i];
      var host = dn.hostPath || dn.path;
      var at = where + ".deviceNodes[" + i + "]";
      if (this.dsts[dn.path] !== undefined) {
        log.verbose("CDI: " + at + ": " + dn.path + " already there (" + this.dsts[dn.path] + "); skipped");
        continue;
      }
      this.hostPaths.push(host);
      if (this.ld.tools.probe(this.sys, host, this.probed) === null) {
        log.warning("CDI: device node not found on this host: " + host + " (" + at + ")");
      } else if (host !== dn.path || !path.isWithin("/dev", dn.path)) {
        this.dsts[dn.path] = at;
        this.plan.steps.push({ op: "device", src: host, dst: dn.path, why: at });
      } else {
        log.verbose("CDI: " + at + ": " + host + " is in the host's /dev, bound whole");
      }
    }
    for (i = 0; e.hooks && i < e.hooks.length; i++)
      interpretHook(e.hooks[i], where + ".hooks[" + i + "]", this.effects);
    var unprivileged: Array<[string, boolean]> = [
      ["additionalGids", !!e.additionalGids && e.additionalGids.some(function (g) { return g !== 0; })],
      ["intelRdt", e.intelRdt !== undefined],
      ["netDevices", !!e.netDevices && e.netDevices.length > 0],
    ];
    for (i = 0; i < unprivileged.length; i++)
      if (unprivileged[i][1])
        log.warning("CDI: ignoring " + where + "." + unprivileged[i][0]
                    + ": an unprivileged container can't apply it");
  }

  finish(): CdiPlan {
    if (this.effects.folders.length > 0) {
      if (this.ld.cache !== null)
        this.imageVersion = this.ld.tools.imageKey(this.sys, this.ld.image, this.effects.folders);
      this.plan.ldcache = this.ld.tools.planLdCache(this.sys, this.ld.cache, this.ld.image, this.effects.folders,
                                                    this.specs, this.hostFiles, this.imageVersion, CDI_SCRATCH);
    }
    return this.plan;
  }
}

/** What the ld cache's plan needs (ldcache.ts). */
export interface LdContext {
  cache: Cache | null;
  image: Image;
  tools: CacheTools;
}

/** The plan's CDI part for the selections, in their order. */
export function planEdits(sys: Sys, selections: Selection[], ld: LdContext): Planned {
  var p = new Planner(sys, ld);
  for (var s = 0; s < selections.length; s++) {
    var sel = selections[s];
    if (p.specs.indexOf(sel.file) < 0)
      p.specs.push(sel.file);
    var names: string[] = [];
    for (var n = 0; n < sel.devices.length; n++)
      names.push(sel.spec.kind + "=" + sel.spec.devices[sel.devices[n]].name);
    log.verbose("CDI: using " + sel.file + ": " + names.join(", "));
    var env: string[] = [];
    p.edits(sel.spec.containerEdits, sel.file + ": containerEdits", env);
    for (var d = 0; d < sel.devices.length; d++)
      p.edits(sel.spec.devices[sel.devices[d]].containerEdits,
              sel.file + ": devices[" + sel.devices[d] + "].containerEdits", env);
    if (env.length > 0)
      p.plan.env.push({ at: sel.envAt, delta: { kind: "set", source: "CDI " + sel.file, vars: env } });
  }
  var plan = p.finish();
  return { plan: plan, hostPaths: p.hostPaths, probed: p.probed, imageVersion: p.imageVersion };
}
