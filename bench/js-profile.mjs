// bench/js-profile's helper: the program's JavaScript functions as
// callgrind sees them (bench/js-profile says how it is used).
//
//   node bench/js-profile.mjs instrument BUILD OUT
//     writes OUT/program.js and OUT/unit-NAME.js, BUILD's bundles with
//     every function's calls made through a C function of its own,
//     OUT/functions.json (each function's id, name, bundle) and OUT/prof.c
//     (those C functions, and profile_install, which installs the global
//     __t(id, impl, this, args) that calls impl through C function id).
//   node bench/js-profile.mjs report OUT CALLGRIND-FILE [N]
//     prints what callgrind counted for each JS function.
//
// With callgrind's --fn-skip for Duktape's own functions, the work Duktape
// does for a JS function is counted in that function's C stand-in: its
// "self" figure is the instructions spent in its own code (not in the JS
// functions or bindings it calls), "incl" everything under it. The
// stand-ins add work of their own (a wrapper call and a native call a JS
// call), counted in the caller's self: compare changes with
// bench/instructions, which measures the real program.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

const [, , mode, ...rest] = process.argv;

function die(message) {
  console.error(`js-profile: ${message}`);
  process.exit(1);
}

/** A readable name for a function node: its own, or what it is assigned to. */
function nameOf(node, sf) {
  if (node.name)
    return node.name.getText(sf);
  let p = node.parent;
  let suffix = "";
  while (p && (ts.isParenthesizedExpression(p) || (ts.isCallExpression(p) && p.expression !== node))) {
    if (ts.isCallExpression(p))
      suffix = suffix || (p.arguments.includes(node) ? "/arg" : "/iife");
    node = p;
    p = p.parent;
  }
  if (p && ts.isCallExpression(p) && p.expression === node)
    suffix = "/iife";
  if (p && ts.isVariableDeclaration(p))
    return p.name.getText(sf) + suffix;
  if (p && ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken)
    return p.left.getText(sf).slice(0, 60) + suffix;
  if (p && ts.isPropertyAssignment(p))
    return p.name.getText(sf) + suffix;
  return `anonymous@${node.getStart(sf)}${suffix}`;
}

function enclosing(node, sf, names) {
  for (let p = node.parent; p; p = p.parent)
    if (names.has(p))
      return names.get(p);
  return "";
}

function instrument(build, out) {
  fs.mkdirSync(out, { recursive: true });
  const functions = [];
  const outputs = new Map();
  const wrappers = new Set(); // __wN(id, f): f's stand-in, for a function expression
  const wrapper = (w) => {
    if (w === "__wa")
      return "function __wa(id,f){return function(){var a=[id,f,this];a.push.apply(a,arguments);return __t.apply(null,a)}}";
    const ps = Array.from({ length: Number(w.slice(3)) }, (_, i) => "a" + i);
    return `function ${w}(id,f){return function(${ps}){return __t(id,f,this${ps.map((p) => "," + p).join("")})}}`;
  };
  const bundles = ["program.js", ...fs.readdirSync(build).filter((f) => /^unit-.*\.js$/.test(f)).sort()];
  for (const bundle of bundles) {
    const text = fs.readFileSync(path.join(build, bundle), "utf8");
    const isUnit = bundle !== "program.js";
    // A unit is one function expression (src/unit/unit.ts): parse it as one.
    const source = isUnit ? `(${text})` : text;
    const shift = isUnit ? 1 : 0;
    const sf = ts.createSourceFile(bundle, source, ts.ScriptTarget.ES5, true, ts.ScriptKind.JS);
    const edits = []; // [position in text, insertion]
    const names = new Map();
    const visit = (node) => {
      const fn = ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isMethodDeclaration(node)
        || ts.isGetAccessor(node) || ts.isSetAccessor(node);
      if (fn && node.body) {
        const id = functions.length;
        const own = nameOf(node, sf);
        const outer = enclosing(node, sf, names);
        const name = outer && !node.name ? `${outer}>${own}` : own;
        names.set(node, name);
        functions.push({ id, name, bundle, unitTop: isUnit && node.parent === sf.statements[0].expression });
        const params = node.parameters.map((p) => p.getText(sf)).join(",");
        // Arguments passed on as they are, not in an `arguments` object
        // (whose making would weigh on the caller), unless the function reads it.
        const passed = /\barguments\b/.test(node.body.getText(sf)) ? "arguments" : params;
        const call = (impl) => passed === "arguments"
          ? `__t.apply(null,[${id},${impl},this].concat(Array.prototype.slice.call(arguments)))`
          : `__t(${id},${impl},this${passed ? "," + passed : ""})`;
        const open = node.body.getStart(sf) + 1 - shift;
        const close = node.body.end - 1 - shift;
        if (ts.isFunctionDeclaration(node)) {
          // a sibling declaration holds the body: no closure made at each call
          edits.push([open, `return ${call(node.name.text + "$p" + id)}}function ${node.name.text}$p${id}(${params}){`]);
        } else if (ts.isFunctionExpression(node) && !functions[id].unitTop) {
          const wrap = passed === "arguments" ? "__wa" : `__w${node.parameters.length}`;
          wrappers.add(wrap);
          edits.push([node.getStart(sf) - shift, `${wrap}(${id},`], [node.end - shift, ")"]);
        } else {
          // a closure at each call: accessors, methods and a unit's own function
          const [before, after] = passed === "arguments"
            ? ["__t.apply(null,[", ",this].concat(Array.prototype.slice.call(arguments)))"]
            : ["__t(", `,this${passed ? "," + passed : ""})`];
          edits.push([open, `return ${before}${id},function(${params}){`], [close, `}${after};`]);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
    // stable: at one position, an outer function's insertion stays outside an inner one's
    edits.sort((a, b) => a[0] - b[0]);
    let result = "";
    let at = 0;
    for (const [pos, insertion] of edits) {
      result += text.slice(at, pos) + insertion;
      at = pos;
    }
    result += text.slice(at);
    outputs.set(bundle, result);
  }
  for (const [bundle, result] of outputs)
    fs.writeFileSync(path.join(out, bundle), result);
  fs.writeFileSync(path.join(out, "functions.json"), JSON.stringify(functions, null, 1));
  const cname = (f) => `js_${f.id}_${f.name.replace(/[^A-Za-z0-9_]+/g, "_").slice(0, 80)}`;
  fs.writeFileSync(path.join(out, "prof.c"), `/* generated by bench/js-profile.mjs */
#include "duktape.h"
#include "binding.h"
/* __t(id, impl, this, args...): impl.call(this, args...), from C function id */
static void call_impl(duk_context *ctx)
{
   duk_remove(ctx, 0);
   duk_call_method(ctx, duk_get_top(ctx) - 2);
}
${functions.map((f) => `__attribute__((noinline)) void ${cname(f)}(duk_context *ctx) { call_impl(ctx); }\n`).join("")}
static void (*const table[])(duk_context *) = {
${functions.map((f) => `   ${cname(f)},\n`).join("")}};
static duk_ret_t trampoline(duk_context *ctx)
{
   table[duk_get_uint(ctx, 0)](ctx);
   return 1;
}
void profile_install(duk_context *ctx, int argc, char **argv)
{
   binding_install(ctx, argc, argv);
   duk_push_c_function(ctx, trampoline, DUK_VARARGS);
   duk_put_global_string(ctx, "__t");
   /* the stand-ins' makers: global, for the units' functions as well (the
      program's own declarations are not: it is loaded as a function) */
   duk_eval_string_noresult(ctx, ${JSON.stringify([...wrappers].map(wrapper).join("\n"))});
}
`);
}

/** Self and inclusive instructions and calls of each function in a
    callgrind output file (its format: valgrind's callgrind manual). */
function readCallgrind(file) {
  const names = new Map(); // "(n)" → name
  const fns = new Map();
  const get = (name) => {
    if (!fns.has(name))
      fns.set(name, { self: 0, incl: 0, calls: 0 });
    return fns.get(name);
  };
  const resolve = (spec) => {
    const m = /^(\(\d+\))(?:\s+(.*))?$/.exec(spec);
    if (!m)
      return spec;
    if (m[2] !== undefined)
      names.set(m[1], m[2]);
    return names.get(m[1]);
  };
  let fn = null;
  let callee = null;
  let pendingCalls = 0;
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (line.startsWith("fn=")) {
      fn = get(resolve(line.slice(3)));
    } else if (line.startsWith("cfn=")) {
      callee = resolve(line.slice(4));
    } else if (line.startsWith("calls=")) {
      pendingCalls = Number(line.slice(6).split(" ")[0]);
    } else if (/^[0-9+*-]/.test(line) && fn) {
      const cost = Number(line.split(/\s+/)[1] || 0);
      if (pendingCalls) {
        fn.incl += cost;
        get(callee).calls += pendingCalls;
        pendingCalls = 0;
      } else {
        fn.self += cost;
        fn.incl += cost;
      }
    }
  }
  return fns;
}

function report(out, file, top) {
  const functions = JSON.parse(fs.readFileSync(path.join(out, "functions.json"), "utf8"));
  const counted = readCallgrind(file);
  const byId = new Map();
  for (const [name, c] of counted) {
    const m = /^js_(\d+)_/.exec(name);
    if (m)
      byId.set(Number(m[1]), c);
  }
  let total = 0;
  for (const c of counted.values())
    total += c.self;
  const loadedUnits = new Set(functions.filter((f) => f.unitTop && byId.has(f.id)).map((f) => f.bundle));
  const loaded = functions.filter((f) => f.bundle === "program.js" || loadedUnits.has(f.bundle));
  const called = loaded.filter((f) => byId.has(f.id));
  const m = (n) => (n / 1e6).toFixed(3) + "M";
  console.log(`instrumented total ${m(total)} (more than the real program's: see bench/instructions)`);
  console.log(`bundles loaded: program.js${[...loadedUnits].map((b) => ", " + b).join("")}`);
  console.log(`JS functions loaded ${loaded.length}, called ${called.length}, never called ${loaded.length - called.length}`);
  const rows = called.map((f) => ({ f, ...byId.get(f.id) })).sort((a, b) => b.self - a.self);
  let jsSelf = 0;
  for (const r of rows)
    jsSelf += r.self;
  // profile_install's own work (compiling the stand-ins' makers) is the variant's alone
  const setUp = (counted.get("profile_install") || { incl: 0 }).incl - (counted.get("binding_install") || { incl: 0 }).incl;
  console.log(`in JS functions' own code ${m(jsSelf)}; outside any JS function (heap, bytecode load, global code): `
              + `${m(total - jsSelf - setUp)}; the variant's set-up ${m(setUp)}`);
  console.log(`\nthe ${Math.min(top, rows.length)} costliest by self (instructions, calls):`);
  console.log(`${"self".padStart(9)} ${"incl".padStart(9)} ${"calls".padStart(6)}  function [bundle]`);
  for (const r of rows.slice(0, top))
    console.log(`${String(r.self).padStart(9)} ${String(r.incl).padStart(9)} ${String(r.calls).padStart(6)}  `
                + `${r.f.name}${r.f.bundle === "program.js" ? "" : " [" + r.f.bundle + "]"}`);
  console.log("\nloaded, never called:");
  for (const f of loaded.filter((x) => !byId.has(x.id)))
    console.log(`  ${f.name}${f.bundle === "program.js" ? "" : " [" + f.bundle + "]"}`);
}

if (mode === "instrument" && rest.length === 2)
  instrument(...rest);
else if (mode === "report" && (rest.length === 2 || rest.length === 3))
  report(rest[0], rest[1], Number(rest[2] || 40));
else
  die("usage: node bench/js-profile.mjs instrument BUILD OUT | report OUT CALLGRIND-FILE [N]");
