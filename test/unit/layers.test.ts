// scripts/check-layers.mjs, which the build runs on src/: imports flow one
// way between folders, and no module imports itself round a loop.

import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

function check(src: string): { status: number | null; stderr: string } {
  const r = spawnSync("node", ["scripts/check-layers.mjs", src], { encoding: "utf8" });
  return { status: r.status, stderr: r.stderr };
}

/** A throw-away src/ tree: module path (no extension) → its text. */
function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "skiff-layers-"));
  for (const [mod, text] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, path.dirname(mod)), { recursive: true });
    fs.writeFileSync(path.join(dir, mod + ".ts"), text);
  }
  return dir;
}

test("src/ keeps the order", () => {
  assert.deepEqual(check("src"), { status: 0, stderr: "" });
});

test("an import from a later folder fails the check, naming it", () => {
  const dir = tree({
    "plan/build": 'import { x } from "../exec/mounts";\nexport var y = x;\n',
    "exec/mounts": "export var x = 1;\n",
  });
  const r = check(dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /src\/plan\/build\.ts imports exec\/mounts: plan\/ comes before exec\/ in LAYERS/);
  fs.rmSync(dir, { recursive: true });
});

test("a module cycle within a folder fails the check", () => {
  const dir = tree({
    "cli/a": 'import { b } from "./b";\nexport var a = 1;\n',
    "cli/b": 'import {\n  a,\n} from "./a";\nexport var b = a;\n',
  });
  const r = check(dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /module cycle: cli\/(a → cli\/b → cli\/a|b → cli\/a → cli\/b)/);
  fs.rmSync(dir, { recursive: true });
});

test("import type is not a dependency; a folder outside LAYERS is", () => {
  const ok = tree({ "sys/s": 'import type * as P from "../plan/plan";\nexport var s: P.X = 1;\n',
                    "plan/plan": "export type X = number;\n" });
  assert.equal(check(ok).status, 0);
  const stray = tree({ "gpu/x": "export var x = 1;\n" });
  assert.match(check(stray).stderr, /folder gpu\/ has no place in LAYERS/);
  fs.rmSync(ok, { recursive: true });
  fs.rmSync(stray, { recursive: true });
});
