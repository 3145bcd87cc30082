// CDI hooks are programs the vendor expects an OCI runtime to run; skiff
// runs none of them (they would need privilege, or the host's root) but
// reads what NVIDIA's hooks ask for and does it itself, as ch-run's CDI
// design does: update-ldcache runs the image's ldconfig, create-symlinks
// makes the links; chmod and disable-device-node-modification have nothing
// to do here (the host's /dev is bound as it is); others are warned about.

import { argvToString } from "../log/argv";
import * as log from "../log/log";
import * as path from "../path/path";
import type { CdiLink } from "../plan/plan";
import { Hook } from "./spec";

export interface HookEffects {
  links: CdiLink[];
  /** update-ldcache's folders, in order, each once. */
  folders: string[];
}

/** --NAME VALUE and --NAME=VALUE of args, in order. */
function flagValues(args: string[], name: string): string[] {
  var out: string[] = [];
  for (var i = 0; i < args.length; i++) {
    if (args[i] === "--" + name && i + 1 < args.length)
      out.push(args[++i]);
    else if (args[i].indexOf("--" + name + "=") === 0)
      out.push(args[i].slice(name.length + 3));
  }
  return out;
}

/** [subcommand, its arguments] of an NVIDIA hook, or null: `nvidia-ctk hook
    SUB ...`, or `nvidia-ctk-hook SUB ...` / `nvidia-cdi-hook SUB ...`. */
function nvidiaHook(h: Hook): [string, string[]] | null {
  var argv = h.args && h.args.length ? h.args : [h.path];
  var prog = path.basename(h.path);
  if (prog === "nvidia-ctk" && argv[1] === "hook" && argv.length > 2)
    return [argv[2], argv.slice(3)];
  if ((prog === "nvidia-ctk-hook" || prog === "nvidia-cdi-hook") && argv.length > 1)
    return [argv[1], argv.slice(2)];
  return null;
}

/** Add what hook h (at `where` in a spec) asks for to effects. */
export function interpretHook(h: Hook, where: string, effects: HookEffects): void {
  var argv = h.args && h.args.length ? h.args : [h.path];
  var nv = nvidiaHook(h);
  var sub = nv === null ? "" : nv[0];
  var args = nv === null ? [] : nv[1];
  switch (sub) {
    case "update-ldcache": {
      var folders = flagValues(args, "folder");
      for (var i = 0; i < folders.length; i++)
        if (effects.folders.indexOf(folders[i]) < 0)
          effects.folders.push(folders[i]);
      log.verbose("CDI: " + where + ": update-ldcache: the image's ldconfig will add " + folders.join(" "));
      return;
    }
    case "create-symlinks": {
      var links = flagValues(args, "link");
      for (var j = 0; j < links.length; j++) {
        var sep = links[j].indexOf("::");
        if (sep <= 0 || links[j].charAt(sep + 2) !== "/") {
          log.warning("CDI: ignoring bad --link " + JSON.stringify(links[j]) + " (" + where + "): expected TARGET::/LINK");
          continue;
        }
        var link = { target: links[j].slice(0, sep), link: links[j].slice(sep + 2) };
        if (!effects.links.some(function (l) { return l.link === link.link; }))
          effects.links.push(link);
      }
      return;
    }
    case "chmod":
    case "disable-device-node-modification":
      log.verbose("CDI: " + where + ": ignoring hook " + sub + ": the host's /dev is bound as it is");
      return;
  }
  log.warning("CDI: ignoring unknown hook: " + argvToString(argv) + " (" + where + ")");
}
