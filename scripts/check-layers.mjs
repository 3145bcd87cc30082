// The build's check that code flows one way (README "How it is built"):
// argv → cli → image → plan → exec → the command, with the units above what
// they use. Each folder of src/ has a place in LAYERS; a module may import
// from its own folder or from one listed before it, never after, and no
// two modules may import each other, directly or round a loop. `import
// type` is left out: it is gone before the program runs (src/unit/unit.ts
// names the units' types that way).
//
// Usage: node scripts/check-layers.mjs [SRC]     (default: src)
// Exits 1, naming each offending import, when the tree breaks the order.
import fs from "node:fs";
import path from "node:path";

/** Lowest first. */
export const LAYERS = [
  "sys", // the binding's types and small helpers over it
  "log", // messages, failures, exit codes
  "path", // lexical path operations
  "linkage", // what the static build can't do, and skiff-dynamic for it
  "names", // the host's user and group names (NSS, getent)
  "env", // the container's environment
  "hooks", // hook lists (plain data)
  "cli", // argv → Options
  "image", // IMAGE → what it names
  "plan", // Options + image → Plan, plain data
  "exec", // primitives acting through Sys: namespaces, mounts, pivot, exec
  "join", // unit: --join
  "squash", // unit: SquashFS
  "yaml", // unit: the YAML parser (CDI's spec files)
  "cdi", // unit: CDI devices (a kept plan, the steps)
  "cdiplan", // unit: CDI planning from the spec files
  "storage", // ch-image's storage directory: making, listing, removing images
  "archive", // applying image layers (tar) safely
  "registry", // OCI registries: references, auth, manifests, blobs, the download cache
  "images", // unit: the image commands
  "unit", // the unit loader
  "executor", // applies a Plan, loading units as steps need them
  ".", // main.ts
];

const IMPORT = /^[ \t]*(?:import|export)\s+(type\s+)?(?:[^;'"]*?\sfrom\s+)?["']([^"']+)["']/gm;

function sources(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory())
      out.push(...sources(p));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts"))
      out.push(p);
  }
  return out;
}

/** The modules a file imports at run time, as paths relative to src. */
function imports(src, file) {
  const text = fs.readFileSync(file, "utf8");
  const out = [];
  for (const m of text.matchAll(IMPORT)) {
    if (m[1] || !m[2].startsWith("."))
      continue;
    out.push(path.relative(src, path.resolve(path.dirname(file), m[2])).replace(/\.[jt]s$/, ""));
  }
  return out;
}

function folderOf(mod) {
  const i = mod.indexOf(path.sep);
  return i < 0 ? "." : mod.slice(0, i);
}

/** One loop of the module graph, or null. */
function findCycle(graph) {
  const state = new Map(); // module → "open" | "done"
  const stack = [];
  function visit(m) {
    state.set(m, "open");
    stack.push(m);
    for (const n of graph.get(m) || []) {
      if (state.get(n) === "open")
        return stack.slice(stack.indexOf(n)).concat(n);
      if (!state.has(n)) {
        const c = visit(n);
        if (c)
          return c;
      }
    }
    stack.pop();
    state.set(m, "done");
    return null;
  }
  for (const m of graph.keys()) {
    if (!state.has(m)) {
      const c = visit(m);
      if (c)
        return c;
    }
  }
  return null;
}

export function checkLayers(src) {
  const problems = [];
  const graph = new Map();
  for (const file of sources(src)) {
    const mod = path.relative(src, file).replace(/\.ts$/, "");
    const from = folderOf(mod);
    const rank = LAYERS.indexOf(from);
    if (rank < 0) {
      problems.push(`src/${mod}.ts: folder ${from}/ has no place in LAYERS (scripts/check-layers.mjs): add it`);
      continue;
    }
    const deps = imports(src, file);
    graph.set(mod, deps);
    for (const dep of deps) {
      const to = folderOf(dep);
      if (LAYERS.indexOf(to) > rank)
        problems.push(`src/${mod}.ts imports ${dep}: ${from}/ comes before ${to}/ in LAYERS, so the import `
                      + `runs back up`);
    }
  }
  const cycle = findCycle(graph);
  if (cycle)
    problems.push(`module cycle: ${cycle.join(" → ")}`);
  return problems;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const problems = checkLayers(process.argv[2] || "src");
  for (const p of problems)
    console.error(`check-layers: ${p}`);
  process.exit(problems.length ? 1 : 0);
}
