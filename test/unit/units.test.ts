// The units have one list, src/unit/unit.ts's Units interface: the Makefile
// builds a unit for each of its lines and FakeSys loads the same modules.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";

import { FAKE_HOST, unitEntries } from "../lib/fakesys.ts";

test("every line of the Units interface is in the form the Makefile and FakeSys read", () => {
  const text = fs.readFileSync("src/unit/unit.ts", "utf8");
  const body = /export interface Units \{\n([^}]*)\}/.exec(text);
  assert.ok(body, "src/unit/unit.ts has an interface Units");
  const lines = body[1].split("\n").filter((l) => l.trim() !== "");
  assert.equal(unitEntries().size, lines.length, lines.join("\n"));
});

test("each unit is its folder's unit.ts", () => {
  for (const [name, entry] of unitEntries()) {
    assert.match(entry, /^[a-z0-9_]+\/unit$/, name);
    assert.ok(fs.existsSync(`src/${entry}.ts`), entry);
  }
});

test("the build made each unit (build/units.h), and FakeSys loads each", () => {
  const built = fs.readFileSync("build/units.h", "utf8").trim().split("\n");
  assert.deepEqual(built, [...unitEntries().keys()].map((n) => `UNIT(${n})`));
  for (const name of unitEntries().keys()) {
    const mod = FAKE_HOST.load_unit(name)(() => ({})) as { [name: string]: unknown };
    assert.ok(Object.keys(mod).length > 0, name);
  }
  assert.throws(() => FAKE_HOST.load_unit("nosuch"), /no unit named nosuch/);
});
