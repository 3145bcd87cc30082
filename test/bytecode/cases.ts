// Cases run twice by test/unit/bytecode-cases.test.ts: on Node, and on
// Duktape as skiff runs, through the build's own path (tsc to ES5,
// scripts/bundle.mjs with the glob unit apart, dukc, the flags cut by
// scripts/fix-bytecode-flags.ts, native/host.c): the Makefile builds
// build/bytecode-test/skiff-cases from main.ts here. Both must give the same
// text. Pure code only, and ES5 only (test/bytecode/tsconfig.json checks
// it): no Map, Set or Node.

import { ArgpIO } from "../../src/cli/argp";
import { parseInt10 } from "../../src/cli/int";
import { parseBind, parseOptions } from "../../src/cli/options";
import { expandValue } from "../../src/env/expand";
import { parseEnvAssignment, parseEnvRecords } from "../../src/env/parse";
import { argvToString } from "../../src/log/argv";
import { Exit, isFailure } from "../../src/log/fail";
import * as path from "../../src/path/path";
import { strtol10 } from "../../src/sys/strtol";
import { unit } from "../../src/unit/unit";

// Command lines as the syslog line quotes them (log/argv.ts, which leans
// on Duktape's escape()): each character 0-255 alone and inside a word,
// and raw bytes, non-ASCII and empty words.
var QUOTED: string[][] = [["/usr/bin/skiff", "run", "-s", "/var/tmp/x,y:z", "img@sha", "--", "a_b+c.d"],
  ["", "a b", "caf\u00e9", "raw\udc80", "\ud800", "x*y", "x,*:y"]];
for (var q = 0; q < 256; q++)
  QUOTED.push([String.fromCharCode(q), "a" + String.fromCharCode(q) + "b"]);

/** f's result, or what it threw: a Failure's words, an Exit's code. */
function outcome(f: () => unknown): unknown {
  try {
    return { ok: f() };
  } catch (e) {
    if (isFailure(e))
      return { failure: e.message, strerror: e.strerror, hint: e.hint };
    if (e instanceof Exit)
      return { exit: e.code };
    return { threw: String(e) };
  }
}

// Names and values as they come from argv and files: spaces, quotes,
// non-ASCII, bytes that are not UTF-8 (U+DC80.. as the binding passes them).
var PATHS = ["", "/", "//", "a", "/a/b/", "a//b/./c/..", "/a/../..", "/../x", "./", "/x/y/../../z",
  "/caf\u00e9/Jos\udce9", "rel/../../up", "/a/b/c/d/e/../../../.."];

var ENV_TEXTS: Array<[string, "\n" | "\0"]> = [
  ["A=1\nB='two words'\n\nC=\"q\"\n# c\nD=x=y\n", "\n"],
  ["A=1\0B=2\0", "\0"],
  ["=bad\n", "\n"],
  ["NOEQUALS\n", "\n"],
  ["E='unterminated\n", "\n"],
  ["F=caf\u00e9\nG=\udcff\n", "\n"],
];

var EXPANSIONS = ["$A", "${A}", "$A:$B", "x$NOPE:y", "$", "$$A", "${A", "a${B}c$C", "\\$A", "$A$B$A"];

var GLOBS: Array<[string, string[]]> = [
  ["*", ["", "A", "PATH"]],
  ["SLURM_*", ["SLURM_JOB_ID", "SLURMX", "slurm_a"]],
  ["+(a|b)c", ["ac", "abbac", "c", "abd"]],
  ["!(PATH|HOME)", ["PATH", "HOME", "PATHX", "X"]],
  ["@(FOO|BAR)?(_X)", ["FOO", "BAR_X", "FOO_Y"]],
  ["*(a|aa)*(a|aa)b", ["aaaaaaaaaaaaaaaaaaaaaaaab", "aaaaaaaaaaaaaaaaaaaaaaaa"]],
  ["+(+(a))b", ["aaaaaaaaaaaaaaaaaaab", "aaaaaaaaaaaaaaaaaaaa"]],
  ["[A-C]?[!0-9]", ["AXY", "B1Z", "D1Z", "C19"]],
  ["\\*x", ["*x", "ax"]],
  // Past any engine's call-stack limit: the unit's one-line error.
  ["*(a)", [new Array(100001).join("a")]],
];

var ARGVS: string[][] = [
  ["img", "--", "true"],
  ["-b", "/src:/dst", "-b", "/x", "--set-env=A=1", "--unset-env=F*", "-c", "/tmp", "-v", "-v", "img", "--", "sh"],
  ["--join-ct=4", "--join-tag=t", "-u", "0", "-g", "0", "--private-tmp", "-W", "img", "cmd", "arg"],
  ["--write-fake=50%", "--seccomp", "--no-passwd", "--dry-run=json", "img"],
  ["-u", "12x", "img"],
  ["--join-ct=0", "img"],
  ["--bogus", "img"],
  ["-b", "", "img"],
  ["--set-env=/no/such/file", "img"],
  ["--unset-env=", "img"],
];

var INTS = ["0", "12", "-5", "+7", " 8", "12x", "", "99999999999", "0x10", "007"];

var BINDS = ["/a", "/a:/b", "/a:", ":/b", "/a:/b:/c", "/caf\u00e9:/Jos\udce9"];

function parsed(argv: string[]): unknown {
  var out = "";
  var io: ArgpIO = {
    argv0: "ch-run", name: "ch-run",
    stdout: function (t) { out += t; },
    stderr: function (t) { out += t; },
    renderHelp: function () { return "(help)"; },
    rename: function () {},
    sleep: function () {},
  };
  var env: { [name: string]: string } = { USER: "u", HOME: "/home/u", PATH: "/bin" };
  var o = outcome(function () {
    return parseOptions(argv, {
      version: "0", env: function (n) { return env.hasOwnProperty(n) ? env[n] : undefined; },
      readHostFile: function (p) { throw new Error("no host files here: " + p); },
      exists: function () { return false; },
      stderr: function (t) { out += t; },
      feature: function () { return undefined; },
      testLog: function () {},
      setColor: function () {},
    }, io);
  });
  return { outcome: o, printed: out };
}

/** Every case's result, as JSON with non-ASCII escaped (Duktape writes lone
    surrogates raw, Node as escapes). */
export function runCases(): string {
  var vars: { [name: string]: string } = { A: "1", B: "two", C: "" };
  var glob = unit("glob");
  var results = {
    path: PATHS.map(function (p) {
      return [path.split(p), path.dirname(p), path.basename(p), path.normalize(p), path.join(p, "x"),
              path.isWithin("/a", p)];
    }),
    env: ENV_TEXTS.map(function (t) { return outcome(function () { return parseEnvRecords(t[0], t[1], "f"); }); }),
    assignments: ["A=1", "=x", "A", "A=", "A==b"].map(function (a) {
      return outcome(function () { return parseEnvAssignment(a); });
    }),
    expand: EXPANSIONS.map(function (v) {
      return expandValue(v, function (n) { return vars.hasOwnProperty(n) ? vars[n] : undefined; });
    }),
    glob: GLOBS.map(function (g) {
      return outcome(function () {
        var match = glob.compile(g[0]);
        return g[1].map(function (name) { return match(name); });
      });
    }),
    argv: ARGVS.map(parsed),
    ints: INTS.map(function (s) {
      return [strtol10(s), outcome(function () { return parseInt10(s, false, "--n"); })];
    }),
    binds: BINDS.map(function (b) { return outcome(function () { return parseBind(b); }); }),
    quoted: QUOTED.map(function (a) { return argvToString(a); }),
  };
  return JSON.stringify(results, null, 1).replace(/[\u007f-\uffff]/g, function (c) {
    return "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4);
  });
}
