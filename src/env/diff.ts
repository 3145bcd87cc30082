// What building a container did to an environment, as a list another
// process can apply to its own: a --join peer takes the winner's changes
// (HOME, PATH, TMPDIR, --set-env, --unset-env, CH_RUNNING) yet keeps the
// variables its launcher set for it alone (OMPI_COMM_WORLD_RANK,
// PMIX_RANK, SLURM_PROCID, ...); a copy of the winner's whole environment
// would make every rank the winner's.

import { Environment } from "./environment";

/** NAME=VALUE for each variable after sets differently, NAME for each it
    lacks. */
export function environmentChanges(before: Environment, after: Environment): string[] {
  var out: string[] = [];
  var names = after.names();
  for (var i = 0; i < names.length; i++)
    if (before.get(names[i]) !== after.get(names[i]))
      out.push(names[i] + "=" + after.get(names[i]));
  names = before.names();
  for (var j = 0; j < names.length; j++)
    if (after.get(names[j]) === undefined)
      out.push(names[j]);
  return out;
}

export function applyChanges(env: Environment, changes: string[]): void {
  for (var i = 0; i < changes.length; i++) {
    var eq = changes[i].indexOf("=");
    if (eq < 0)
      env.unset(changes[i]);
    else
      env.set(changes[i].slice(0, eq), changes[i].slice(eq + 1));
  }
}
