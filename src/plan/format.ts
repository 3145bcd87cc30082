// --dry-run output: the plan as a person reads it, or as JSON.

import { argvToString } from "../log/argv";
import { GeneratedFile } from "./files";
import { Plan, Step } from "./plan";

function describe(s: Step, render: (f: GeneratedFile) => string): string {
  switch (s.op) {
    case "userns":
      return (s.mountns ? "user+mount" : "user") + " namespace: uid " + s.map.uidOut + " -> " + s.map.uidIn
        + ", gid " + s.map.gidOut + " -> " + s.map.gidIn;
    case "mountpoint":
      return (s.create ? "make and check" : "check") + " mount point " + s.path;
    case "squash-mount":
      return "mount SquashFS " + s.image + " at " + s.mountpoint + " (squashfuse_ll)";
    case "claim-root":
      return "bind new root and its parent onto themselves";
    case "remount-ro":
      return "remount new root read-only";
    case "write-fake":
      return "overlay tmpfs (size=" + s.size + ") on new root at /srv/merged";
    case "bind":
      return "bind " + s.src + " -> " + s.dst + " (" + s.why
        + (s.flags.length ? "; " + s.flags.join(", ") : "")
        + (s.mountFlags.length ? "; " + s.mountFlags.join("|") : "") + ")";
    case "files":
      return s.files.map(function (f) {
        return "bind generated file -> " + f.dst + ":\n      "
          + render(f.content).replace(/\n$/, "").split("\n").join("\n      ");
      }).join("\n     ");
    case "tmpfs":
      return "tmpfs -> " + s.dst;
    case "mkdir":
      return "mkdir " + s.dst + " (" + s.why + ")";
    case "merge-dir":
      return "bind " + s.src + " -> " + s.dst + " (merged: one bind for its files; " + s.why
        + (s.mountFlags.length ? "; " + s.mountFlags.join("|") : "") + ")";
    case "merge-links":
      return s.links.map(function (l) { return "symlink " + l.dst + " -> " + l.target + " (" + l.why + ")"; })
        .join("\n      ");
    case "device":
      return "bind device " + s.src + " -> " + s.dst + " (" + s.why + ")";
    case "hooks":
      return "run " + s.list + " hooks";
    case "pivot":
      return "pivot_root into new root";
  }
}

/** render: a generated file's content as the step would write it now. */
export function formatPlan(plan: Plan, json: boolean, render: (f: GeneratedFile) => string): string {
  if (json)
    return JSON.stringify(plan, null, 2) + "\n";
  var lines: string[] = ["image root: " + plan.newroot];
  if (plan.joinPid !== undefined)
    lines.push("join namespaces of pid " + plan.joinPid + " (no set-up)");
  if (plan.join)
    lines.push("join peer group " + plan.join.tag + " of " + plan.join.count
               + " (first arrival runs the steps, the others join it)");
  for (var i = 0; i < plan.steps.length; i++)
    lines.push("  " + (i + 1) + ". " + describe(plan.steps[i], render));
  var tags: Array<"host" | "guest" | "all"> = ["host", "guest", "all"];
  for (var t = 0; t < tags.length; t++) {
    var list = plan.hooks[tags[t]];
    for (var k = 0; k < list.length; k++)
      lines.push("  hook " + tags[t] + ": " + list[k].name + " " + JSON.stringify(list[k].action));
  }
  if (plan.command.cwd !== undefined)
    lines.push("cd " + plan.command.cwd);
  lines.push("exec " + argvToString(plan.command.argv));
  return lines.join("\n") + "\n";
}
