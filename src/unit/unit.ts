// Units: code that most runs never need (SquashFS, --join, argp's help,
// --seccomp, --dry-run, --unset-env's globs) is compiled to bytecode of its
// own, which the host loads only when the program first asks for it
// (native.load_unit). Loading bytecode and creating its functions was half
// of a launch's instructions; a plain launch now loads about 60% of the
// program.
//
// A unit's bytecode is a function of the core modules it imports:
// scripts/bundle.mjs builds each unit with its imports of core modules bound
// to that argument (which gives a module's exports by its path under src/,
// e.g. "log/log"), so both share one copy of each module and its state (the
// log level, the Failure class, ...).

import type * as FormatUnit from "../plan/format";
import type * as GlobUnit from "../env/glob";
import type * as HelpUnit from "../cli/help";
import type * as JoinUnit from "../join/unit";
import type * as SeccompUnit from "../exec/seccomp";
import type * as SquashUnit from "../squash/unit";
import { Sys } from "../sys/sys";

export type CoreModules = (path: string) => { [name: string]: unknown };

var core: CoreModules = function () { return {}; };
var loaded: { [name: string]: unknown } = {};

/** Called once, before the program runs, by the generated core entry. */
export function setCore(modules: CoreModules): void {
  core = modules;
}

function load(sys: Sys, name: string): unknown {
  if (!loaded.hasOwnProperty(name))
    loaded[name] = sys.load_unit(name)(core);
  return loaded[name];
}

export function formatUnit(sys: Sys): typeof FormatUnit {
  return load(sys, "format") as typeof FormatUnit;
}

export function globUnit(sys: Sys): typeof GlobUnit {
  return load(sys, "glob") as typeof GlobUnit;
}

export function helpUnit(sys: Sys): typeof HelpUnit {
  return load(sys, "help") as typeof HelpUnit;
}

export function joinUnit(sys: Sys): typeof JoinUnit {
  return load(sys, "join") as typeof JoinUnit;
}

export function seccompUnit(sys: Sys): typeof SeccompUnit {
  return load(sys, "seccomp") as typeof SeccompUnit;
}

export function squashUnit(sys: Sys): typeof SquashUnit {
  return load(sys, "squash") as typeof SquashUnit;
}
