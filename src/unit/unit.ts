// Units: code that most runs never need (SquashFS, --join, argp's help,
// --seccomp, --dry-run, --unset-env's globs, CDI, YAML, the image commands) is
// compiled to bytecode of its own, which the host loads only when the
// program first asks for it (Host.load_unit, src/sys/host.ts). Loading
// bytecode and creating its functions was half of a launch's instructions;
// a plain launch now loads about 60% of the program.
//
// A unit's bytecode is a function of the core modules it imports:
// scripts/bundle.mjs builds each unit with its imports of core modules bound
// to that argument (which gives a module's exports by its path under src/,
// e.g. "log/log"), so both share one copy of each module and its state (the
// log level, the Failure class, ...).

import { host } from "../sys/host";

/** The units: the one list of them, read by the Makefile (which builds
    one for each line) and by the tests' FakeSys as well. A unit is its
    folder's unit.ts, which re-exports what the unit offers when its code is
    in other modules of the folder. One unit a line, as written here. */
export interface Units {
  cdi: typeof import("../cdi/unit");
  cdiplan: typeof import("../cdiplan/unit");
  format: typeof import("../plan/unit");
  glob: typeof import("../env/unit");
  help: typeof import("../cli/unit");
  images: typeof import("../images/unit");
  join: typeof import("../join/unit");
  seccomp: typeof import("../exec/unit");
  squash: typeof import("../squash/unit");
  yaml: typeof import("../yaml/unit");
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
