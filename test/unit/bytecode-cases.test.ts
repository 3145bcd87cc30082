// The same cases (test/bytecode/cases.ts: paths, environment files and
// expansion, --unset-env's globs through the glob unit, command lines,
// integers, bind specs) on Node and on skiff's bytecode: tsc's ES5,
// bundled by scripts/bundle.mjs (the core, the glob unit bound to it), dukc's
// bytecode with its flags cut, run by native/host.c. A rewriting step that
// breaks what the program does shows here as a difference.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

import "../lib/fakesys.ts"; // its Host loads units from src/
import { runCases } from "../bytecode/cases.ts";

const PROGRAM = "build/bytecode-test/skiff-cases";

test("the cases give the same results on the bundled bytecode as on Node", () => {
  const r = spawnSync(PROGRAM, [], { encoding: "utf8", env: {} });
  assert.equal(r.status, 0, `${PROGRAM}: ${r.stderr}${r.stdout}`);
  const bytecode = JSON.parse(r.stdout), node = JSON.parse(runCases());
  for (const kind of Object.keys(node))
    assert.deepEqual(bytecode[kind], node[kind], kind);
  assert.deepEqual(Object.keys(bytecode), Object.keys(node));
});
