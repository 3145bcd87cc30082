// Which spec files and devices the command line's requests select, with the
// CDI reference's priority rules: a device (KIND=NAME) defined in files of
// two --cdi-dirs directories is taken from the later directory; defined
// twice in one directory, it is a conflict.

import { fail } from "../log/fail";
import * as log from "../log/log";
import { BrokenSpec, LoadedSpec, loadSpec, scanDirs, SpecReader } from "./load";
import type { CdiRequest } from "../cli/cdi";

export interface Selection {
  file: string;
  spec: LoadedSpec["spec"];
  /** Indexes into spec.devices. */
  devices: number[];
  /** The request's place among --set-env/--unset-env (CdiRequest). */
  envAt: number;
}

var ADMIN_HINT = "an administrator writes CDI specs with the vendor's tool, e.g. "
  + "nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml; or point --cdi-dirs (or $CH_RUN_CDI_DIRS) at yours";

/** A held-back broken file stops us if it may define kind (undefined: any). */
function checkBroken(broken: BrokenSpec[], kind: string | undefined): void {
  for (var i = 0; i < broken.length; i++)
    if (kind === undefined || broken[i].kind === undefined || broken[i].kind === kind)
      throw broken[i].error;
}

/** kind's devices over all specs, by the priority rules, grouped per file. */
function ofKind(specs: LoadedSpec[], kind: string, envAt: number): Selection[] {
  var owner: { [name: string]: LoadedSpec } = {};
  for (var s = 0; s < specs.length; s++) {
    var ls = specs[s];
    if (ls.spec.kind !== kind)
      continue;
    for (var d = 0; d < ls.spec.devices.length; d++) {
      var key = kind + "=" + ls.spec.devices[d].name;
      var old = owner[key];
      if (old !== undefined && old.priority === ls.priority)
        fail("CDI: conflicting device " + key + " (specs " + old.file + ", " + ls.file + ")", undefined,
             { hint: "two files in one directory define it: remove one" });
      if (old !== undefined)
        log.verbose("CDI: device " + key + ": " + ls.file + " overrides " + old.file + " (later directory wins)");
      owner[key] = ls;
    }
  }
  var out: Selection[] = [];
  for (var t = 0; t < specs.length; t++) {
    var sel: Selection = { file: specs[t].file, spec: specs[t].spec, devices: [], envAt: envAt };
    for (var i = 0; specs[t].spec.kind === kind && i < specs[t].spec.devices.length; i++)
      if (owner[kind + "=" + specs[t].spec.devices[i].name] === specs[t])
        sel.devices.push(i);
    if (sel.devices.length > 0)
      out.push(sel);
  }
  return out;
}

function allDevices(ls: LoadedSpec, envAt: number): Selection {
  var devices: number[] = [];
  for (var i = 0; i < ls.spec.devices.length; i++)
    devices.push(i);
  return { file: ls.file, spec: ls.spec, devices: devices, envAt: envAt };
}

/** The selections for requests, in command-line order; a device asked for
    twice is used once, where it was first asked for. */
export function selectDevices(reader: SpecReader, requests: CdiRequest[], dirs: string[]): Selection[] {
  var scanned: { specs: LoadedSpec[]; broken: BrokenSpec[] } | null = null;
  function scan(): { specs: LoadedSpec[]; broken: BrokenSpec[] } {
    if (scanned === null)
      scanned = scanDirs(reader, dirs);
    return scanned;
  }
  var out: Selection[] = [];
  var seen: { [fileDevice: string]: boolean } = {};
  for (var r = 0; r < requests.length; r++) {
    var q = requests[r];
    var found: Selection[] = [];
    if (q.what === "file") {
      found = [allDevices(loadSpec(reader, q.path, dirs.length), q.envAt)];
    } else if (q.what === "kind") {
      checkBroken(scan().broken, q.kind);
      found = ofKind(scan().specs, q.kind, q.envAt);
      if (found.length === 0)
        fail("CDI: no spec for kind " + q.kind + " in " + dirs.join(":"), undefined, { hint: ADMIN_HINT });
    } else {
      checkBroken(scan().broken, undefined);
      var kinds: string[] = [];
      for (var s = 0; s < scan().specs.length; s++)
        if (kinds.indexOf(scan().specs[s].spec.kind) < 0)
          kinds.push(scan().specs[s].spec.kind);
      if (kinds.length === 0)
        fail("CDI: no spec files in " + dirs.join(":"), undefined, { hint: ADMIN_HINT });
      for (var k = 0; k < kinds.length; k++)
        found = found.concat(ofKind(scan().specs, kinds[k], q.envAt));
    }
    for (var f = 0; f < found.length; f++) {
      var sel = found[f];
      sel.devices = sel.devices.filter(function (d) {
        var key = sel.file + "\0" + d;
        var fresh = !seen[key];
        seen[key] = true;
        return fresh;
      });
      if (sel.devices.length > 0)
        out.push(sel);
    }
  }
  return out;
}
