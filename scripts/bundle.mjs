// Bundles tsc's output (build/tsc) into the core program and the units
// (src/unit/unit.ts). Usage, from the Makefile:
//   node scripts/bundle.mjs --out=DIR [--debug] [--tsc=DIR --main=FILE] NAME=ENTRY...
//     (ENTRY: a module under src/, e.g. join/unit; --tsc: where tsc wrote
//     src/, build/tsc by default; --main: what the program runs, TSC/main.js
//     by default, another for test/bytecode/'s cases: the units and the
//     modules they share with the core are those of TSC/main.js's program
//     all the same)
// writes DIR/program.js, DIR/unit-NAME.js for each unit and DIR/units.h
// (the list host.c embeds). --debug breaks the bundles into short lines, so
// that a stack trace's line numbers point somewhere.
//
// A unit is bundled with its imports of core modules (those the program
// reaches from main.ts) bound to its argument, `__core`, so it shares the
// core's copy of each: `__core("log/log")` returns that module's exports as
// values, taken when the unit loads. Exported variables must therefore be
// constants (state lives behind functions, as in log/log.ts). Plain values,
// not ES module namespaces: those cost a getter function per export at
// every start. The build fails if a unit would not be lazy (the core
// imports one of its modules) or if two units would each carry a copy of
// the same module.
import * as esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? fallback : path.resolve(a.slice(name.length + 3));
};
const debug = args.includes("--debug");
const B = option("out", path.resolve("build"));
const TSC = option("tsc", path.resolve("build", "tsc"));
const MAIN = option("main", path.join(TSC, "main.js"));
// Licence comments of bundled packages stay where their code is ("inline"),
// not after the unit's closing export, where unitFunction expects nothing.
const COMMON = { bundle: true, format: "iife", target: "es5", minifySyntax: true, minifyWhitespace: true,
                 lineLimit: debug ? 100 : undefined, legalComments: "inline", logLevel: "warning", write: false,
                 metafile: true };

function die(message) {
  console.error(`bundle: ${message}`);
  process.exit(1);
}

/** text without the option tables' long descriptions: each object literal
    with `arg` and `help` properties (an OptionSpec, src/cli/argp.ts) loses
    its `doc`, which only the man pages and the README show
    (scripts/gen-docs.ts, which reads the sources); the program would
    intern them and set them at every start. Given moved, an array, it
    loses its `argName` and `help` too, which only --help shows: they are
    pushed onto moved as [argName or null, help], and the option gets
    `texts`, their index there. */
function dropOptionDocs(text, moved) {
  const sf = ts.createSourceFile("bundle.js", text, ts.ScriptTarget.ES5, true, ts.ScriptKind.JS);
  const edits = []; // [start, end, replacement]
  const visit = (node) => {
    if (ts.isObjectLiteralExpression(node)) {
      const props = node.properties;
      const named = (n) => props.findIndex((p) => ts.isPropertyAssignment(p) && p.name.getText(sf) === n);
      const cut = (i) => {
        if (i === 0)
          die(`an option's ${props[i].name.getText(sf)} comes first: ${node.getText(sf).slice(0, 80)}`);
        edits.push([props[i - 1].end, props[i].end, ""]);
      };
      const text = (i) => {
        if (!ts.isStringLiteral(props[i].initializer))
          die(`an option's ${props[i].name.getText(sf)} is not a string literal: ${node.getText(sf).slice(0, 80)}`);
        return props[i].initializer.text;
      };
      const [arg, help, doc, argName] = ["arg", "help", "doc", "argName"].map(named);
      if (arg >= 0 && help >= 0) {
        if (doc >= 0)
          cut(doc);
        if (moved) {
          moved.push([argName >= 0 ? text(argName) : null, text(help)]);
          edits.push([props[help].getStart(sf), props[help].end, `texts: ${moved.length - 1}`]);
          if (argName >= 0)
            cut(argName);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  let out = "";
  let at = 0;
  for (const [start, end, replacement] of edits.sort((a, b) => a[0] - b[0])) {
    out += text.slice(at, start) + replacement;
    at = end;
  }
  return out + text.slice(at);
}

function inputs(result) {
  return Object.keys(result.metafile.inputs).filter((f) => !f.startsWith("core:") && !f.startsWith("<define:"))
    .map((f) => path.resolve(f));
}

/** Module path as units name it: relative to build/tsc, no extension. */
function modName(file) {
  return path.relative(TSC, file).replace(/\.js$/, "");
}

fs.mkdirSync(B, { recursive: true });
const units = args.filter((a) => !a.startsWith("--")).map((arg) => {
  const [name, entry] = arg.split("=");
  if (!name || !entry)
    die(`bad argument ${JSON.stringify(arg)}: expected NAME=ENTRY`);
  return { name, entry: path.join(TSC, entry + ".js") };
});

const core = new Set(inputs(await esbuild.build({ ...COMMON, entryPoints: [path.join(TSC, "main.js")] })));
// The core's modules as the program gets them: its options' help lines and
// argument names moved out, to the help unit (OPTION_TEXTS, src/cli/help.ts).
const optionTexts = [];
const coreSources = new Map([...core].sort().map((f) => [f, dropOptionDocs(fs.readFileSync(f, "utf8"), optionTexts)]));
const movedTexts = {
  name: "moved-texts",
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, (args) =>
      coreSources.has(args.path) ? { contents: coreSources.get(args.path), loader: "js" } : undefined);
  },
};
const coreExports = new Map(); // core module a unit uses → its export names
const owner = new Map(); // module → the unit that carries it

/** A unit sees a core module's exports as they were when it loaded: none
    may be assigned after its declaration (a conservative textual check:
    a local of the same name that is assigned twice fails it too). */
function assertConstant(mod, names) {
  const text = fs.readFileSync(path.join(TSC, mod + ".js"), "utf8");
  for (const n of names) {
    const id = n.replace(/\$/g, "\\$");
    const writes = text.match(new RegExp(`(^|[^.\\w$])${id}\\s*([-+*/%&|^]|<<|>>>?)?=(?!=)|(\\+\\+|--)\\s*${id}\\b|`
                                         + `\\b${id}\\s*(\\+\\+|--)`, "gm")) || [];
    if (writes.length > 1)
      die(`${mod} assigns its export ${n} after declaring it; a unit would not see the change: `
          + "export a function that returns it instead");
  }
}

async function exportsOf(mod) {
  if (!coreExports.has(mod)) {
    const r = await esbuild.build({ entryPoints: [path.join(TSC, mod + ".js")], format: "esm", bundle: false,
                                    write: false, metafile: true, logLevel: "warning" });
    const names = Object.values(r.metafile.outputs)[0].exports.sort();
    assertConstant(mod, names);
    coreExports.set(mod, names);
  }
  return coreExports.get(mod);
}

/** The text of a unit: its ES module bundle made a function of __core,
    returning its exports as a plain object (no namespace object, getters
    or interop helpers: each would cost at every load). Its core imports
    come from stubs (bindCore below), whose bindings esbuild keeps even
    unused, as it can't tell that reading them has no side effects; those
    the unit never names are dropped here. */
function unitFunction(name, esm) {
  const stubs = /var ([\w$]+)=__core\(("[^"]+")\)((?:,[\w$]+=[\w$]+\.[\w$]+)*);/g;
  // Named as a variable: not as part of a longer name, nor after a "." (a property).
  const uses = (id, text) => new RegExp(`(^|[^\\w$.])${id.replace(/\$/g, "\\$")}([^\\w$]|$)`).test(text);
  // A stub's bindings name only its own module variable: one pass prunes all.
  const body = esm.replace(stubs, (stub, m, mod, list, at) => {
    const rest = esm.slice(0, at) + esm.slice(at + stub.length);
    const kept = list.split(",").slice(1).filter((d) => uses(d.split("=")[0], rest));
    return kept.length === 0 ? "" : `var ${m}=__core(${mod}),${kept.join(",")};`;
  });
  const exported = /export\s*\{([^}]*)\};?\s*$/.exec(body);
  // A statement, not a word in a string such as "import" (a command's name).
  if (exported === null || /(^|[;{}])\s*(import|export)\b\s*[{*"]/.test(body.slice(0, exported.index)))
    die(`unit ${name}: unexpected import or export statements in esbuild's output`);
  const object = exported[1].split(",").map((x) => x.trim()).filter(Boolean).map((spec) => {
    const [local, as] = spec.split(/\s+as\s+/);
    return `${JSON.stringify(as || local)}:${local}`;
  });
  return `function (__core) {\n"use strict";${body.slice(0, exported.index)}return {${object.join(",")}};\n}\n`;
}

for (const u of units) {
  const bindCore = {
    name: "core",
    setup(build) {
      build.onResolve({ filter: /^\./ }, (args) => {
        const file = path.resolve(args.resolveDir, args.path.endsWith(".js") ? args.path : args.path + ".js");
        if (!core.has(file))
          return undefined;
        return { path: modName(file), namespace: "core" };
      });
      build.onLoad({ filter: /.*/, namespace: "core" }, async (args) => {
        const names = await exportsOf(args.path);
        return { contents: `var m = __core(${JSON.stringify(args.path)});\n`
                   + names.map((n) => `export var ${n} = m.${n};\n`).join(""), loader: "js" };
      });
    },
  };
  const result = await esbuild.build({ ...COMMON, format: "esm", entryPoints: [u.entry], plugins: [bindCore],
                                       define: { OPTION_TEXTS: JSON.stringify(optionTexts) } });
  for (const file of inputs(result)) {
    if (owner.has(file))
      die(`${modName(file)} is in both the ${owner.get(file)} and the ${u.name} unit; import it from one only`);
    owner.set(file, u.name);
  }
  fs.writeFileSync(path.join(B, `unit-${u.name}.js`), unitFunction(u.name, dropOptionDocs(result.outputFiles[0].text)));
}

const registered = [...coreExports.keys()].sort();
fs.writeFileSync(path.join(B, "core-registry.js"),
  `import { setCore } from ${JSON.stringify(path.join(TSC, "unit/unit.js"))};\n`
  + registered.map((m, i) => `import { ${coreExports.get(m).map((n) => `${n} as m${i}_${n}`).join(", ")} } from `
                   + `${JSON.stringify(path.join(TSC, m + ".js"))};\n`).join("")
  + "setCore(function (path) {\n  switch (path) {\n"
  + registered.map((m, i) => `  case ${JSON.stringify(m)}: return { ${coreExports.get(m).map((n) => `${n}: m${i}_${n}`).join(", ")} };\n`).join("")
  + "  }\n  throw new Error(\"no core module \" + path + \" for units\");\n});\n");
fs.writeFileSync(path.join(B, "core-entry.js"),
  `import "./core-registry.js";\nimport ${JSON.stringify(MAIN)};\n`);
// The program is global code, not an immediately called function: its
// top-level names become the global object's properties, which cost less
// to declare and to look up from functions than a wrapper function's
// variables (a variable map of every name, loaded with it, and an
// environment record made from it; plain launch -2% instructions). ES
// module output with no exports is just those statements; the banner
// keeps them strict, as tsc's modules are.
const program = await esbuild.build({ ...COMMON, format: "esm", banner: { js: "\"use strict\";" },
                                     entryPoints: [path.join(B, "core-entry.js")], plugins: [movedTexts] });
for (const file of inputs(program))
  if (owner.has(file))
    die(`the core imports ${modName(file)} of the ${owner.get(file)} unit: call it through src/unit/unit.ts`);
fs.writeFileSync(path.join(B, "program.js"), program.outputFiles[0].text);
fs.writeFileSync(path.join(B, "units.h"), units.map((u) => `UNIT(${u.name})\n`).join(""));
