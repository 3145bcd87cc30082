// Each function of dukc's bytecode gets only the flags its code needs
// (scripts/bytecode.ts): constructable only if it uses `this` or is empty
// (class constructors), strict unless strictness cannot change what it does.
// Checked on the dump itself and by running it in skiff's Duktape.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { FLAG_CONSTRUCTABLE, FLAG_STRICT, debugInfo, functionsOf, neededFlags } from "../../scripts/bytecode.ts";
import { buildDukRun, dukc, fixBytecodeFlags } from "../lib/duktape.ts";

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
  const js = path.join(dir, "t.js"), bc = path.join(dir, "t.bc");
  fs.writeFileSync(js, SOURCE);
  dukc(js, bc);
  fixBytecodeFlags(bc);
  const fns = functionsOf(fs.readFileSync(bc), false);
  const named = (s: string) => {
    const f = fns.find((f) => f.strings.includes(s));
    assert.ok(f, `a function with constant ${s}`);
    return f;
  };

  test("only functions that use this, and empty ones, stay constructable", () => {
    assert.ok(named("klass").flags & FLAG_CONSTRUCTABLE, "Klass");
    assert.ok(fns.some((f) => f.strings.length === 0 && f.flags & FLAG_CONSTRUCTABLE), "Empty");
    for (const s of ["plain:", "storer", "counter", ":args", "method"])
      assert.equal(named(s).flags & FLAG_CONSTRUCTABLE, 0, s);
  });

  test("strict stays where it matters: this, arguments, property stores", () => {
    for (const s of ["klass", "storer", "counter", ":args"])
      assert.ok(named(s).flags & FLAG_STRICT, s);
    for (const s of ["plain:", "method"])
      assert.equal(named(s).flags & FLAG_STRICT, 0, s);
  });

  test("the rewritten program runs as the source says", () => {
    const run = spawnSync(buildDukRun(dir), [bc], { encoding: "utf8" });
    assert.equal(run.stdout, "plain:1 klass2 method true 2:args TypeError TypeError TypeError\n", run.stderr);
  });

  test("another Duktape's bytecode is refused, and left as dukc wrote it", () => {
    const header = path.join(dir, "duktape.h");
    fs.writeFileSync(header, "#define DUK_VERSION                       20800L\n");
    const before = fs.readFileSync(bc, "hex");
    const r = spawnSync("node", ["build/fix-bytecode-flags.cjs", header, bc], { encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /is Duktape 20800; .* knows the opcode and flag numbers of 20700 only: check them against/);
    assert.equal(fs.readFileSync(bc, "hex"), before);
  });
});

test("the build's bytecode has been through it: every function has only the flags it needs", () => {
  for (const file of fs.readdirSync("build").filter((f) => f.endsWith(".bc"))) {
    const fns = functionsOf(fs.readFileSync(path.join("build", file)), false);
    for (const f of fns)
      assert.equal(f.flags, neededFlags(f.flags, f.ops), `${file}: a function with constants ${f.strings.slice(0, 3)}`);
  }
});

// Each string is in a dump once, with its hash (native/duktape/strings.patch):
// loading interns it once and hashes nothing. A string loaded with a wrong
// hash would be a second copy of the same text, under which no property
// named by the program's own strings is found.
describe("dukc's string table", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dukc-strings-test."));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const js = path.join(dir, "s.js"), bc = path.join(dir, "s.bc");
  fs.writeFileSync(js, `"use strict";
(function () {
  function put(o) { o["shared" + "Key"] = "put"; return o; }
  function get(o) { return o.sharedKey; }
  function has(o) { return "sharedKey" in o; }
  var made = {}; made["shared" + "Key"] = "made";
  print([get(put({})), has(put({})), get(made), JSON.stringify({ sharedKey: 1 })].join(" "));
})();
`);
  dukc(js, bc);
  fixBytecodeFlags(bc);

  test("a string three functions use is in the dump once", () => {
    assert.equal(fs.readFileSync(bc).toString("latin1").split("sharedKey").length - 1, 1);
  });

  test("a string from the dump is the one the program makes at run time", () => {
    const run = spawnSync(buildDukRun(dir), [bc], { encoding: "utf8" });
    assert.equal(run.stdout, 'put true made {"sharedKey":1}\n', run.stderr);
  });
});

// A closure's own properties (native/duktape/closures.patch): .length,
// .prototype where constructable, and no "caller" or "arguments" on a strict
// one (ES2015, 16.1); the internal ones (_Varmap, _Formals) are not listed.
describe("closures", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dukc-closures-test."));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const js = path.join(dir, "c.js"), bc = path.join(dir, "c.bc");
  fs.writeFileSync(js, `"use strict";
(function () {
  function Klass(a, b) { this.a = a + b; }
  function loose(x) { return x; }
  function strict(o, v) { o.v = v; var f = function () { return arguments.length; }; return f; }
  var own = function (f) { return Object.getOwnPropertyNames(f).sort().join(","); };
  print([own(Klass), own(loose), own(strict), own(strict({}, 1)), Klass.length, strict.length,
         new Klass(1, 2).a, strict({}, 1)(1, 2, 3), typeof strict.caller].join(" "));
})();
`);
  dukc(js, bc);
  fixBytecodeFlags(bc);

  test("each has .length, .prototype if constructable, and nothing else", () => {
    const run = spawnSync(buildDukRun(dir), [bc], { encoding: "utf8" });
    assert.equal(run.stdout, "length,prototype length length length 2 2 3 3 undefined\n", run.stderr);
  });
});

// `make DEBUG=1` (build/debug): function names, file names and line tables
// in the bytecode, so that an internal error's stack says where it was.
describe("make DEBUG=1's bytecode", () => {
  const build = "build/debug";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dukc-debug-test."));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const js = path.join(dir, "where.js"), bc = path.join(dir, "where.bc");
  fs.writeFileSync(js, `"use strict";
(function () {
  function thrower(o) { o.x = 1; throw new Error("here"); }
  function caller() { var r = thrower(Object.freeze({})); return r; }
  try { caller(); } catch (e) { print(e.stack); }
})();
`);
  dukc(js, bc, build);
  fixBytecodeFlags(bc, build);

  test("the build's Duktape keeps them, the release build's does not", () => {
    assert.equal(debugInfo(fs.readFileSync(path.join(build, "duktape/duk_config.h"), "utf8")), true);
    assert.equal(debugInfo(fs.readFileSync("build/duktape/duk_config.h", "utf8")), false);
  });

  test("its dump is read whole, and flags are cut as in the release build", () => {
    const fns = functionsOf(fs.readFileSync(bc), true);
    assert.equal(fns.length, 4);
    for (const f of fns)
      assert.equal(f.flags, neededFlags(f.flags, f.ops));
    assert.throws(() => functionsOf(fs.readFileSync(bc), false), /bytecode dump|unknown constant/);
  });

  test("a stack trace names each function with its file and line", () => {
    const run = spawnSync(buildDukRun(dir, build), [bc], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^TypeError[^]*\n\s+at thrower \([^)]*where\.js:3\)/);
    assert.match(run.stdout, /\n\s+at caller \([^)]*where\.js:4\)/);
  });

  test("the debug skiff's bytecode has been through it", () => {
    const files = fs.readdirSync(build).filter((f) => f.endsWith(".bc"));
    assert.ok(files.includes("program.bc"), files.join(" "));
    for (const file of files)
      for (const f of functionsOf(fs.readFileSync(path.join(build, file)), true))
        assert.equal(f.flags, neededFlags(f.flags, f.ops), `${file}: ${f.strings.slice(0, 3)}`);
  });
});
