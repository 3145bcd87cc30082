// Units: code that most runs never need (SquashFS, --join, argp's help,
// --seccomp, --dry-run, --unset-env's globs, CDI) is compiled to bytecode of its
// own, which the host loads only when the program first asks for it
// (Host.load_unit, src/sys/host.ts). Loading bytecode and creating its functions was half
// of a launch's instructions; a plain launch now loads about 60% of the
// program.
//
// A unit's bytecode is a function of the core modules it imports:
// scripts/bundle.mjs builds each unit with its imports of core modules bound
// to that argument (which gives a module's exports by its path under src/,
// e.g. "log/log"), so both share one copy of each module and its state (the
// log level, the Failure class, ...).

import type * as CdiUnit from "../cdi/unit";
import type * as FormatUnit from "../plan/format";
import type * as GlobUnit from "../env/glob";
import type * as HelpUnit from "../cli/help";
import type * as JoinUnit from "../join/unit";
import type * as SeccompUnit from "../exec/seccomp";
import type * as SquashUnit from "../squash/unit";
import { host } from "../sys/host";

/** The units, by the names the Makefile's UNITS gives them. */
export interface Units {
  cdi: typeof CdiUnit;
  format: typeof FormatUnit;
  glob: typeof GlobUnit;
  help: typeof HelpUnit;
  join: typeof JoinUnit;
  seccomp: typeof SeccompUnit;
  squash: typeof SquashUnit;
}

export type CoreModules = (path: string) => { [name: string]: unknown };

var core: CoreModules = function () { return {}; };
var loaded: { [name: string]: unknown } = {};

/** Called once, before the program runs, by the generated core entry. */
export function setCore(modules: CoreModules): void {
  core = modules;
}

/** A unit by name, loaded on first use. */
export function unit<K extends keyof Units>(name: K): Units[K] {
  if (!loaded.hasOwnProperty(name))
    loaded[name] = host().load_unit(name)(core);
  return loaded[name] as Units[K];
}
