// build/dukc rewrites each function's flags in the bytecode it writes
// (native/dukc.c, needed_flags()): constructable only if it uses `this` or
// is empty (class constructors), strict unless strictness cannot change what
// it does. Checked on the dump itself and by running it in skiff's Duktape.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const CONSTRUCTABLE = 1 << (7 + 1);
const STRICT = 1 << (7 + 9);

interface Fn {
  flags: number;
  strings: string[];
}

/** The functions of a dump (Duktape 2's layout, as dukc.c walks it). */
function functionsOf(dump: Buffer): Fn[] {
  const out: Fn[] = [];
  let p = 1;
  const u32 = () => { const v = dump.readUInt32BE(p); p += 4; return v; };
  const walk = () => {
    const nInstr = u32(), nConst = u32(), nFuncs = u32();
    p += 2 + 2 + 8;
    const fn: Fn = { flags: u32(), strings: [] };
    out.push(fn);
    p += 4 * nInstr;
    for (let i = 0; i < nConst; i++) {
      if (dump[p++] === 0) {
        const len = u32();
        fn.strings.push(dump.toString("utf8", p, p + len));
        p += len;
      } else {
        p += 8;
      }
    }
    for (let i = 0; i < nFuncs; i++)
      walk();
    p += 4;
    for (let len = u32(); len !== 0; len = u32())
      p += len + 4;
    const formals = u32();
    if (formals !== 0xffffffff)
      for (let i = 0; i < formals; i++)
        p += u32();
  };
  assert.equal(dump[0], 0xbf);
  walk();
  assert.equal(p, dump.length, "the walk ends where the dump does");
  return out;
}

const SOURCE = `"use strict";
(function () {
  function Klass(x) { this.x = "klass" + x; }
  function Empty() {}
  Empty.prototype.tag = function () { return "method"; };
  function plain(y) { return "plain:" + y; }
  function storer(o) { o.k = "storer"; }
  function counter(o) { o.n++; return "counter"; }
  function args() { return arguments.length + ":args"; }
  var r = [plain(1), new Klass(2).x, new Empty().tag(), new Empty() instanceof Empty, args(1, 2)];
  try { new plain(3); r.push("constructed"); } catch (e) { r.push(e.name); }
  try { storer(Object.freeze({})); r.push("stored"); } catch (e) { r.push(e.name); }
  try { counter(Object.freeze({ n: 1 })); r.push("counted"); } catch (e) { r.push(e.name); }
  print(r.join(" "));
})();
`;

describe("dukc's bytecode flags", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dukc-test."));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const js = path.join(dir, "t.js"), bc = path.join(dir, "t.bc"), runner = path.join(dir, "duk-run");
  fs.writeFileSync(js, SOURCE);
  const dukc = spawnSync("build/dukc", [js, bc], { encoding: "utf8" });
  assert.equal(dukc.status, 0, dukc.stderr);
  const fns = functionsOf(fs.readFileSync(bc));
  const named = (s: string) => {
    const f = fns.find((f) => f.strings.includes(s));
    assert.ok(f, `a function with constant ${s}`);
    return f;
  };

  test("only functions that use this, and empty ones, stay constructable", () => {
    assert.ok(named("klass").flags & CONSTRUCTABLE, "Klass");
    assert.ok(fns.some((f) => f.strings.length === 0 && f.flags & CONSTRUCTABLE), "Empty");
    for (const s of ["plain:", "storer", "counter", ":args", "method"])
      assert.equal(named(s).flags & CONSTRUCTABLE, 0, s);
  });

  test("strict stays where it matters: this, arguments, property stores", () => {
    for (const s of ["klass", "storer", "counter", ":args"])
      assert.ok(named(s).flags & STRICT, s);
    for (const s of ["plain:", "method"])
      assert.equal(named(s).flags & STRICT, 0, s);
  });

  test("the rewritten program runs as the source says", () => {
    const cc = spawnSync("cc", ["-O1", "-Ibuild/duktape", "-o", runner, "test/lib/duk-run.c", "build/duktape.o", "-lm"],
                        { encoding: "utf8" });
    assert.equal(cc.status, 0, cc.stderr);
    const run = spawnSync(runner, [bc], { encoding: "utf8" });
    assert.equal(run.stdout, "plain:1 klass2 method true 2:args TypeError TypeError TypeError\n", run.stderr);
  });
});
