// Applies a Plan through the Sys interface: ch_core.c's containerize()
// followed by run_user_command().

import { applyDefaultsFirst, applyDefaultsLast, applyDelta } from "../env/container";
import { Environment } from "../env/environment";
import { Hook } from "../hooks/hooks";
import { fail } from "../log/fail";
import * as log from "../log/log";
import { hostNames } from "../names/names";
import { renderFile } from "../plan/files";
import { FileBind, HookAction, Plan, Step } from "../plan/plan";
import { readChunks, statOrNull, Sys } from "../sys/sys";
import { unit } from "../unit/unit";
import { runCommand } from "../exec/command";
import { armFaults, faultPoint } from "../exec/fault";
import { bind, bindFiles, claimRoot, mkdirs, remountReadOnly, tmpfs, writeFake } from "../exec/mounts";
import { enterUserNamespace } from "../exec/namespaces";
import { pivot } from "../exec/pivot";
import { State } from "../exec/state";

export function newState(sys: Sys, plan: Plan): State {
  return { sys: sys, newroot: plan.newroot, scratch: null, bindPaths: [], mountpoint: null,
           env: Environment.fromList(plan.environ) };
}

function runHooks(st: State, plan: Plan, tag: "host" | "guest" | "all"): void {
  var list: Array<Hook<HookAction>> = plan.hooks[tag];
  if (log.enabled(log.LL_VERBOSE))
    log.verbose("hooks: " + tag + ": found " + list.length + " hooks");
  for (var i = 0; i < list.length; i++) {
    if (log.enabled(log.LL_DEBUG))
      log.debug("hooks: " + tag + ": calling " + (i + 1) + "/" + list.length + ": " + list[i].name);
    runHook(st, list[i].action);
  }
}

function runHook(st: State, a: HookAction): void {
  switch (a.op) {
    case "env-defaults-first": {
      var home = a.home[a.home.length - 1];
      for (var i = 0; i < a.home.length - 1; i++)
        if (statOrNull(st.sys, a.home[i], true) !== null) {
          home = a.home[i];
          break;
        }
      applyDefaultsFirst(st.env, home);
      return;
    }
    case "env-delta":
      applyDelta(st.env, a.delta, a.expand, {
        readImageFile: function (p, each) { readChunks(st.sys, p, each); },
        compileGlob: function (pattern) { return unit("glob").compile(pattern); },
      });
      return;
    case "env-defaults-last":
      applyDefaultsLast(st.env);
      return;
    case "seccomp":
      unit("seccomp").installSeccomp(st.sys);
      return;
    case "cdi-links":
      return unit("cdi").makeLinks(st, a.links);
    case "cdi-ldcache":
      return unit("cdi").updateLdCache(st, a.ld);
  }
}

/** The guest hooks that make the container's environment from our own,
    for a process that joins a container (--join-pid) rather than building
    it: the rest of the guest list changes the container, which exists. */
function runEnvironmentHooks(st: State, plan: Plan): void {
  var list = plan.hooks.guest;
  for (var i = 0; i < list.length; i++)
    if (list[i].action.op.indexOf("env-") === 0)
      runHook(st, list[i].action);
}

/** The files' texts, before their tmpfs is mounted (bindFiles). */
function renderFiles(st: State, files: FileBind[]): string[] {
  var names = hostNames(st.sys);
  return files.map(function (f) { return renderFile(f.content, names); });
}

/** Run one step of container set-up. */
export function runStep(st: State, plan: Plan, s: Step): void {
  // the commonest first: Duktape tests the cases in turn
  switch (s.op) {
    case "bind":
      return bind(st, s.src, s.dst, s.flags, s.mountFlags);
    case "userns":
      return enterUserNamespace(st.sys, s.map, s.mountns);
    case "mountpoint":
      st.mountpoint = unit("squash").prepareMountpoint(st.sys, s.path, s.create);
      return;
    case "squash-mount":
      return unit("squash").mountSquash(st, s);
    case "claim-root":
      log.verbose("creating container filesystem tree");
      return claimRoot(st);
    case "remount-ro":
      return remountReadOnly(st);
    case "write-fake":
      return writeFake(st, s.size);
    case "files":
      return bindFiles(st, s.files, renderFiles(st, s.files));
    case "tmpfs":
      return tmpfs(st, s.dst);
    case "mkdir":
      mkdirs(st, s.dst);
      return;
    case "merge-dir":
      return unit("cdi").mergeDir(st, s);
    case "merge-links":
      return unit("cdi").mergeLinks(st, s.links);
    case "device":
      return unit("cdi").bindDevice(st, s);
    case "hooks":
      return runHooks(st, plan, s.list);
    case "pivot":
      return pivot(st);
  }
}

function buildContainer(st: State, plan: Plan): void {
  for (var i = 0; i < plan.steps.length; i++) {
    faultPoint(st.sys);
    runStep(st, plan, plan.steps[i]);
  }
}

/** Build the container, or join one (ch_core.c's containerize()), and exec
    the command in it; returns only by throwing. */
export function execute(sys: Sys, plan: Plan): never {
  if (plan.command.argv.length === 0)
    fail("IMAGE and/or COMMAND not specified");
  var st = newState(sys, plan);
  armFaults(sys);
  if (plan.joinPid !== undefined) {
    unit("join").joinProcess(sys, plan.joinPid);
    runEnvironmentHooks(st, plan);
    runHooks(st, plan, "all");
  } else if (plan.join !== undefined && plan.join.count > 1) {
    // The peer group's end runs in the process that goes on to exec: after
    // a SquashFS fork, the child.
    var group = unit("join").joinBegin(sys, plan.join);
    group.guard(function () {
      if (group.winner) {
        buildContainer(st, plan);
      } else {
        faultPoint(sys);
        group.enter(st);
      }
      faultPoint(sys);
      runHooks(st, plan, "all");
      faultPoint(sys);
      group.end(st, plan.environ);
    });
  } else {
    // A group of one is just a container: it loads no --join code and
    // touches nothing in /dev/shm; -v still tells its story as ch-run's.
    var alone = plan.join !== undefined;
    if (alone)
      log.verbose("join: I won");
    buildContainer(st, plan);
    runHooks(st, plan, "all");
    if (alone) {
      log.verbose("join: winner initializing shared data");
      log.verbose("join: 0 peers left excluding myself");
      log.verbose("join: done");
    }
  }
  faultPoint(sys);
  return runCommand(st, plan.command);
}
