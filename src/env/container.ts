// ch-run's fix_environment() (doc/environment.md §2.2) as pure steps over an
// Environment: defaults first, then the --set-env*/--unset-env deltas in
// command-line order, then CH_RUNNING. File and image reads, and fnmatch,
// are injected.

import { enabled, LL_VERBOSE, verbose, warning } from "../log/log";
import { Environment } from "./environment";
import { expandValue } from "./expand";
import { parseEnvAssignment, readEnvFile, ReadChunks } from "./parse";

/** One --set-env, --set-env0 or --unset-env, in command-line order. */
export type EnvDelta =
  /** vars: `NAME=VALUE` entries, split at the first `=`. */
  | { kind: "set"; source: string; vars: string[] }
  | { kind: "set-image-file"; path: string; delimiter: "\n" | "\0" }
  | { kind: "unset"; glob: string };

/** The image's environment file, read by a bare --set-env. */
var IMAGE_ENV_FILE = "/ch/environment";

/** ch-run's --set-env[=ARG] / --set-env0[=ARG] parsing (§2.3): no ARG → the
    image's /ch/environment, read later inside the container; ARG with `=` →
    one assignment; else a host file, read now (parse time). */
export function parseSetEnvArg(arg: string | undefined, delimiter: "\n" | "\0",
                               readHostFile: ReadChunks): EnvDelta {
  if (arg === undefined)
    return { kind: "set-image-file", path: IMAGE_ENV_FILE, delimiter: delimiter };
  if (arg.indexOf("=") >= 0)
    return { kind: "set", source: arg, vars: [parseEnvAssignment(arg)] };
  return { kind: "set", source: arg, vars: readEnvFile(readHostFile, arg, delimiter) };
}

/** fix_environment()'s first steps (§2.2 1–3): HOME becomes home (chosen by
    the caller: /home/$USER, /root or /); PATH gets `:/bin` appended unless it
    starts with `/bin` or contains `:/bin` (plain substring tests); TMPDIR is
    removed. */
export function applyDefaultsFirst(env: Environment, home: string): void {
  env.set("HOME", home);
  var path = env.get("PATH");
  if (path === undefined) {
    warning("$PATH not set");
  } else if (!path.startsWith("/bin") && path.indexOf(":/bin") < 0) {
    path += ":/bin";
    env.set("PATH", path);
    verbose("new $PATH: " + path);
  }
  env.unset("TMPDIR");
}

/** Set each variable in turn, as ch-run env_set(): expansion sees the
    environment as modified so far, including earlier lines of the same file. */
function setVars(env: Environment, vars: string[], expand: boolean): void {
  var lookup = function (n: string): string | undefined { return env.get(n); };
  var logged = enabled(LL_VERBOSE);
  for (var i = 0; i < vars.length; i++) {
    var entry = vars[i];
    if (expand) {
      var eq = entry.indexOf("=");
      var value = entry.slice(eq + 1);
      var expanded = expandValue(value, lookup);
      if (expanded !== value)
        entry = entry.slice(0, eq + 1) + expanded;
    }
    if (logged)
      verbose("environment: " + entry);
    env.setEntry(entry);
  }
}

/** What applying a delta needs from outside the environment. */
export interface DeltaIO {
  /** A file of the image's, read inside the container. */
  readImageFile: ReadChunks;
  /** fnmatch(3) with FNM_EXTMATCH, the pattern compiled once for all the
      names (env/glob.ts: a unit, as only --unset-env needs it). */
  compileGlob: (pattern: string) => (name: string) => boolean;
}

/** One delta of fix_environment() step 4 (§2.2–2.5). `set` assigns its
    variables; `set-image-file` reads and parses the image file now (inside
    the container);
    `unset` removes every variable whose name fnmatch()es the glob with
    FNM_EXTMATCH (ch-run env_unset()). expand is false under
    --env-no-expand, which applies to all deltas. */
export function applyDelta(env: Environment, delta: EnvDelta, expand: boolean, io: DeltaIO): void {
  switch (delta.kind) {
    case "set":
      setVars(env, delta.vars, expand);
      break;
    case "set-image-file":
      setVars(env, readEnvFile(io.readImageFile, delta.path, delta.delimiter), expand);
      break;
    case "unset":
      var names = env.names();
      var matches = io.compileGlob(delta.glob);
      for (var i = 0; i < names.length; i++)
        if (matches(names[i])) {
          verbose("environment: unset " + names[i]);
          env.unset(names[i]);
        }
      break;
  }
}

/** fix_environment()'s last step (§2.2 5): CH_RUNNING, which therefore no
    --unset-env can remove. */
export function applyDefaultsLast(env: Environment): void {
  env.set("CH_RUNNING", "Weird Al Yankovic");
}
