// What a --join winner's container did to its environment (src/env/diff.ts):
// the changes, in the order its peers apply them, checked against the
// definition (every name of after asked of before, then every name of
// before asked of after) over random environments and random set-up.

import { test } from "node:test";
import * as assert from "node:assert/strict";

import { applyChanges, environmentChanges } from "../../src/env/diff.ts";
import { Environment } from "../../src/env/environment.ts";

/** The definition, name by name. */
function reference(before: Environment, after: Environment): string[] {
  const out: string[] = [];
  for (const n of after.names())
    if (before.get(n) !== after.get(n))
      out.push(n + "=" + after.get(n));
  for (const n of before.names())
    if (after.get(n) === undefined)
      out.push(n);
  return out;
}

/** A small deterministic generator (xorshift), so a failure repeats. */
function rng(seed: number): (n: number) => number {
  let x = seed || 1;
  return (n) => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

test("environment changes: the definition's, over random environments and set-ups", () => {
  const names = ["A", "B", "C", "D", "E", "F", "HOME", "PATH", "", "X_1"];
  for (let seed = 1; seed <= 2000; seed++) {
    const r = rng(seed);
    const list: string[] = [];
    for (let k = r(12); k > 0; k--) // duplicates, entries without "=", "=x"
      list.push(r(8) === 0 ? "junk" : names[r(names.length)] + "=" + r(3));
    const before = Environment.fromList(list);
    const after = Environment.fromList(list);
    for (let k = r(8); k > 0; k--) {
      const n = names[r(names.length)];
      if (r(3) === 0)
        after.unset(n);
      else
        after.set(n, String(r(3)));
    }
    const want = reference(before, after);
    const what = `seed ${seed}: ${JSON.stringify(list)} -> ${JSON.stringify(after.toList())}`;
    assert.deepEqual(environmentChanges(before, after), want, what);
    const peer = Environment.fromList(list);
    applyChanges(peer, want);
    assert.deepEqual(peer.toList().sort(), after.toList().sort(), what);
  }
});

test("environment changes: a job's environment with the container's few", () => {
  const list = ["HOME=/u/a", "PATH=/usr/bin:/bin"];
  for (let i = 0; i < 200; i++)
    list.push(`SLURM_V${i}=${i}`);
  const before = Environment.fromList(list);
  const after = Environment.fromList(list);
  after.set("HOME", "/root");
  after.unset("SLURM_V7");
  after.set("CH_RUNNING", "Weird Al Yankovic");
  assert.deepEqual(environmentChanges(before, after), ["HOME=/root", "CH_RUNNING=Weird Al Yankovic", "SLURM_V7"]);
});
