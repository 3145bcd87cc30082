// skiff's Duktape outside skiff: build/dukc compiles a script to bytecode,
// test/lib/duk-run.c (built against build/duktape.o and its math,
// native/duk_math.c) runs it with print() to stdout.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export function dukc(js: string, bc: string): void {
  const r = spawnSync("build/dukc", [js, bc], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
}

/** Builds the runner in dir; returns its path. */
export function buildDukRun(dir: string): string {
  const runner = path.join(dir, "duk-run");
  const cc = spawnSync("cc", ["-O1", "-Ibuild/duktape", "-o", runner, "test/lib/duk-run.c", "native/duk_math.c",
                              "build/duktape.o"], { encoding: "utf8" });
  assert.equal(cc.status, 0, cc.stderr);
  return runner;
}
