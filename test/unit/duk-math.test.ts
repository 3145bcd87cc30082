// skiff links no libm (native/duk_math.c): Duktape's fmod is computed by
// skiff, exactly (checked by running the same script in skiff's Duktape and
// in Node), and the rest of Math is missing, which the program must not need.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { buildDukRun, dukc } from "../lib/duktape.ts";

// Prints every result bit-exactly (integer mantissa "p" exponent), so that the
// engines' number-to-string conversions, which may differ in the last digit,
// don't enter into it. % and ToInt32/ToUint32 (x | 0, x >>> 0) call fmod.
const REMAINDERS = `
  var seed = 12345;
  function next() { seed = (seed * 1103515245 + 12345) % 2147483648; return seed; }
  var pow2 = {}, p = 1, e;
  for (e = 0; e <= 1023; e++) { pow2[e] = p; p = p * 2; }
  for (p = 1, e = 0; e >= -1074; e--) { pow2[e] = p; p = p / 2; }
  function num() {
    var m = next() / 2147483648 + next() / 4611686018427387904;
    var ex = next() % 3 === 0 ? (next() % 80) - 40 : (next() % 2099) - 1075;
    var v = m * pow2[ex < -1074 ? -1074 : ex];
    return next() % 2 ? -v : v;
  }
  function exact(x) {
    if (x !== x) return "NaN";
    if (x === 0) return 1 / x < 0 ? "-0" : "0";
    if (x === Infinity || x === -Infinity) return String(x);
    var s = x < 0 ? "-" : "", e = 0;
    if (x < 0) x = -x;
    while (x >= pow2[85]) { x = x / pow2[32]; e += 32; }
    while (x >= pow2[53]) { x = x / 2; e++; }
    while (x !== Math.floor(x)) { x = x * 2; e--; }
    return s + x + "p" + e;
  }
  var specials = [0, -0, 1, -1, 0.5, 3, -3, pow2[-1074], -pow2[-1074], pow2[-1022], pow2[1023] * (2 - pow2[-52]),
                  Infinity, -Infinity, NaN, pow2[32], pow2[31], pow2[53] + 2, 1e21, 0.1, -7.25];
  var out = [], i, j;
  for (i = 0; i < specials.length; i++)
    for (j = 0; j < specials.length; j++)
      out.push(exact(specials[i] % specials[j]));
  for (i = 0; i < specials.length; i++)
    out.push(exact(specials[i] | 0), exact(specials[i] >>> 0));
  for (i = 0; i < 1500; i++) {
    var x = num(), y = num();
    out.push(exact(x % y), exact(y % x), exact(x | 0), exact(x >>> 0), exact((x * 4294967296) | 0));
  }
  print(out.join("\\n"));
`;

describe("Duktape's math without libm", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "duk-math-test."));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const runner = buildDukRun(dir);

  function inDuktape(body: string): string {
    const js = path.join(dir, "t.js"), bc = path.join(dir, "t.bc");
    fs.writeFileSync(js, `(function () {${body}})();\n`);
    dukc(js, bc);
    const run = spawnSync(runner, [bc], { encoding: "utf8", maxBuffer: 1 << 26 });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    return run.stdout;
  }

  function inNode(body: string): string {
    let printed = "";
    new Function("print", body)((s: string) => { printed += s + "\n"; });
    return printed;
  }

  test("%, ToInt32 and ToUint32 give exactly what Node gives", () => {
    const duk = inDuktape(REMAINDERS).split("\n"), node = inNode(REMAINDERS).split("\n");
    assert.equal(duk.length, node.length);
    assert.ok(duk.length > 7000, `${duk.length} results`);
    const differ = duk.flatMap((d, i) => (d === node[i] ? [] : [`#${i}: ${d}, Node ${node[i]}`]));
    assert.deepEqual(differ, []);
  });

  test("the rest of Math ends the process, naming the function", () => {
    const js = path.join(dir, "sin.js"), bc = path.join(dir, "sin.bc");
    fs.writeFileSync(js, "print(Math.sin(1));\n");
    dukc(js, bc);
    const run = spawnSync(runner, [bc], { encoding: "utf8" });
    assert.equal(run.signal, "SIGABRT", run.stdout + run.stderr);
    assert.match(run.stderr, /Math uses sin\(\), and skiff links no libm/);
  });

  test("skiff's program and units call none of it", () => {
    const bundles = ["build/program.js", ...fs.readdirSync("build").filter((f) => /^unit-.*\.js$/.test(f))
                                                 .map((f) => path.join("build", f))];
    assert.ok(bundles.length > 1, bundles.join(" "));
    for (const b of bundles) {
      // (tsc lowers ** to Math.pow for ES5)
      const uses = fs.readFileSync(b, "utf8").match(/\bMath\.(acos|asin|atan2?|cbrt|cos|exp|hypot|log(10|2)?|pow|sin|sqrt|tan)\b/g);
      assert.equal(uses, null, `${b}: ${uses}`);
    }
  });

  // (the static skiff is linked without -lm: a call into libm would not link)
  test("skiff-dynamic does not link libm", () => {
    const r = spawnSync("readelf", ["-d", "build/skiff-dynamic"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /NEEDED.*\[libc\.so\.6\]/);
    assert.doesNotMatch(r.stdout, /libm\.so/);
  });
});
