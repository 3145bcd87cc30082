// skiff's Duktape outside skiff: BUILD/dukc compiles a script to bytecode,
// test/lib/duk-run.c (built against BUILD/duktape.o and its math,
// native/duk_math.c) runs it with print() to stdout. BUILD is build, or
// build/debug for `make DEBUG=1`'s Duktape.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export function dukc(js: string, bc: string, build = "build"): void {
  const r = spawnSync(path.join(build, "dukc"), [js, bc], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
}

/** Rewrites bc's function flags as the build does (scripts/bytecode.ts). */
export function fixBytecodeFlags(bc: string, build = "build"): void {
  const r = spawnSync("node", [path.join(build, "fix-bytecode-flags.cjs"), path.join(build, "duktape/duktape.h"), bc],
                      { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
}

/** Builds the runner in dir; returns its path. */
export function buildDukRun(dir: string, build = "build"): string {
  const runner = path.join(dir, "duk-run");
  const cc = spawnSync("cc", ["-O1", "-I" + path.join(build, "duktape"), "-o", runner, "test/lib/duk-run.c",
                              "native/duk_math.c", path.join(build, "duktape.o")], { encoding: "utf8" });
  assert.equal(cc.status, 0, cc.stderr);
  return runner;
}
