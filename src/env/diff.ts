// What building a container did to an environment, as a list another
// process can apply to its own: a --join peer takes the winner's changes
// (HOME, PATH, TMPDIR, --set-env, --unset-env, CH_RUNNING) yet keeps the
// variables its launcher set for it alone (OMPI_COMM_WORLD_RANK,
// PMIX_RANK, SLURM_PROCID, ...); a copy of the winner's whole environment
// would make every rank the winner's.

import { Environment } from "./environment";

/** NAME=VALUE for each variable after sets differently, in after's order,
    then NAME for each it lacks, in before's. Environment keeps a
    variable's place when it is set and adds new ones last, so after's
    entries are mostly before's in the same order: a walk down both
    compares whole entries (Duktape's strings are interned: a pointer
    compare), and only where they part asks by name. Asking every name
    of a job's hundreds cost the winner ~20K instructions a variable. */
export function environmentChanges(before: Environment, after: Environment): string[] {
  var b = before.toList();
  var a = after.toList();
  var sets: string[] = [];
  var unsets: string[] = [];
  var j = 0;
  for (var i = 0; i < b.length; i++) {
    if (j < a.length && b[i] === a[j]) {
      j++;
      continue;
    }
    var name = b[i].slice(0, b[i].indexOf("="));
    if (j < a.length && a[j].slice(0, name.length + 1) === name + "=") {
      sets.push(a[j++]); // set to another value in its place
    } else if (after.get(name) === undefined) {
      unsets.push(name);
    } // else unset and set again: it is further on in a
  }
  for (; j < a.length; j++) {
    var eq = a[j].indexOf("=");
    if (before.get(a[j].slice(0, eq)) !== a[j].slice(eq + 1))
      sets.push(a[j]);
  }
  return sets.concat(unsets);
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
