// Unit tests for src/env: doc/environment.md §2.1–2.6 (every vector of §2.3–2.4 and
// the globs of §2.5), plus fnmatch cross-checked against glibc.

import { test } from "node:test";
import assert from "node:assert/strict";

import { Environment } from "../../src/env/environment.ts";
import { parseEnvAssignment, parseEnvRecords, ReadChunks } from "../../src/env/parse.ts";
import { expandValue } from "../../src/env/expand.ts";
import { compile } from "../../src/env/glob.ts";
import {
  applyDefaultsFirst, applyDefaultsLast, applyDelta, EnvDelta, parseSetEnvArg,
} from "../../src/env/container.ts";
import { SysError } from "../../src/log/fail.ts";
import { configure, setVerbosity } from "../../src/log/log.ts";
import { FNMATCH_GLIBC } from "./env-fnmatch-table.ts";
import { failureOf } from "../lib/failure.ts";

// Capture log lines.
var logged: string[] = [];
configure({ prog: "ch-run", pid: () => 42, write: (line: string) => { logged.push(line); }, color: false }, null);

function logAt(verbosity: number): string[] {
  logged.length = 0;
  setVerbosity(verbosity);
  return logged;
}


function enoent(path: string): SysError {
  return { message: "open: " + path, syscall: "open", code: "ENOENT", errno: 2,
           strerror: "No such file or directory", path: path };
}

function noFile(path: string): void {
  throw enoent(path);
}

/** A ReadChunks over map, each file in one chunk. */
function files(map: { [path: string]: string }): ReadChunks {
  return (path, each) => {
    if (!Object.prototype.hasOwnProperty.call(map, path))
      throw enoent(path);
    each(map[path]);
  };
}

/** Apply deltas to env as ch-run step 4 does, expanding. */
function applyAll(env: Environment, deltas: EnvDelta[], expand = true,
                  image: ReadChunks = noFile): Environment {
  for (var d of deltas)
    applyDelta(env, d, expand, { readImageFile: image, compileGlob: compile });
  return env;
}

function fileDelta(text: string, delimiter: "\n" | "\0" = "\n", path = "/host/env"): EnvDelta {
  return parseSetEnvArg(path, delimiter, files({ [path]: text }));
}

// ---------------------------------------------------------------------------
// Environment

test("Environment.fromList splits at the first = and keeps order", () => {
  var env = Environment.fromList(["A=1", "B=x=y", "C=", "D==", "=odd"]);
  assert.deepEqual(env.names(), ["A", "B", "C", "D", ""]);
  assert.equal(env.get("B"), "x=y");
  assert.equal(env.get("C"), "");
  assert.equal(env.get("D"), "=");
  assert.equal(env.get(""), "odd");
  assert.equal(env.get("E"), undefined);
  assert.deepEqual(env.toList(), ["A=1", "B=x=y", "C=", "D==", "=odd"]);
});

test("Environment.fromList: first duplicate wins, entries without = dropped (getenv semantics)", () => {
  var env = Environment.fromList(["A=1", "NOEQ", "A=2", "B=3"]);
  assert.deepEqual(env.toList(), ["A=1", "B=3"]);
  assert.equal(env.get("NOEQ"), undefined);
});

test("Environment.set replaces in place and appends new names; unset removes", () => {
  var env = Environment.fromList(["A=1", "B=2", "C=3"]);
  env.set("B", "two");
  env.set("D", "4");
  assert.deepEqual(env.toList(), ["A=1", "B=two", "C=3", "D=4"]);
  env.unset("A");
  env.unset("missing");
  assert.deepEqual(env.names(), ["B", "C", "D"]);
  env.set("A", "back");
  assert.deepEqual(env.toList(), ["B=two", "C=3", "D=4", "A=back"]);
});

test("Environment: prototype-ish names are ordinary variables", () => {
  var env = new Environment();
  assert.equal(env.get("__proto__"), undefined);
  assert.equal(env.get("hasOwnProperty"), undefined);
  assert.equal(env.get("constructor"), undefined);
  env.set("__proto__", "p");
  env.set("hasOwnProperty", "h");
  assert.equal(env.get("__proto__"), "p");
  assert.deepEqual(env.toList(), ["__proto__=p", "hasOwnProperty=h"]);
  env.unset("__proto__");
  assert.deepEqual(env.names(), ["hasOwnProperty"]);
});

test("Environment.copy is independent; names() is a copy", () => {
  var a = Environment.fromList(["A=1"]);
  var b = a.copy();
  b.set("A", "2");
  b.set("B", "3");
  a.names().push("X");
  assert.deepEqual(a.toList(), ["A=1"]);
  assert.deepEqual(b.toList(), ["A=2", "B=3"]);
});

// ---------------------------------------------------------------------------
// §2.3 file syntax

test("§2.3 doc table: valid lines", () => {
  var env = Environment.fromList(["BAR=bar"]);
  var rows: Array<[string, string, string]> = [
    ["FOO=bar", "FOO", "bar"],
    ["FOO=bar=baz", "FOO", "bar=baz"],
    ["FLAGS=-march=foo -mtune=bar", "FLAGS", "-march=foo -mtune=bar"],
    ["FLAGS='-march=foo -mtune=bar'", "FLAGS", "-march=foo -mtune=bar"],
    ["FOO=$BAR", "FOO", "bar"],
    ["FOO=$BAR:baz", "FOO", "bar:baz"],
    ["FOO=", "FOO", ""],
    ["FOO=$UNSET", "FOO", ""],
    ["FOO=baz:$UNSET:qux", "FOO", "baz:qux"],
    ["FOO=:bar:baz::", "FOO", ":bar:baz::"],
    ["FOO=''", "FOO", ""],
    ["FOO=''''", "FOO", "''"],
    ['FOO="bar"', "FOO", '"bar"'],
    ["FOO=bar # baz", "FOO", "bar # baz"],
    ["FOO=bar\\tbaz", "FOO", "bar\\tbaz"],
    [" FOO=bar", " FOO", "bar"],
    ["FOO= bar", "FOO", " bar"],
    ["$FOO=bar", "$FOO", "bar"],
    ["FOO=$BAR baz:qux", "FOO", "qux"],
  ];
  for (var [line, name, value] of rows) {
    var e = env.copy();
    applyAll(e, [fileDelta(line + "\n")]);
    assert.equal(e.get(name), value, line);
  }
});

test("§2.3 doc table: invalid lines", () => {
  assert.equal(failureOf(() => parseEnvRecords("FOO bar\n", "\n", "f")).message,
               "can't parse variable: no delimiter: f:1");
  var f = failureOf(() => parseEnvRecords("=bar\n", "\n", "f"));
  assert.equal(f.message, "can't parse variable: empty name: f:1");
  assert.equal(f.exitCode, 31);
  assert.equal(f.strerror, undefined);
});

test("§2.3 LINE counts records from 1 including skipped empty ones", () => {
  assert.equal(failureOf(() => parseEnvRecords("A=1\n\n\nBAD\n", "\n", "/x/env")).message,
               "can't parse variable: no delimiter: /x/env:4");
  assert.equal(failureOf(() => parseEnvRecords("A=1\0\0=v\0", "\0", "z")).message,
               "can't parse variable: empty name: z:3");
});

test("§2.3 records: empty skipped, no comments/continuations, \\r kept, last newline optional", () => {
  assert.deepEqual(parseEnvRecords("", "\n", "f"), []);
  assert.deepEqual(parseEnvRecords("\n\n", "\n", "f"), []);
  assert.deepEqual(parseEnvRecords("A=1\n\nB=2", "\n", "f"), ["A=1", "B=2"]);
  assert.deepEqual(parseEnvRecords("A=1\r\n", "\n", "f"), ["A=1\r"]);
  assert.deepEqual(parseEnvRecords("#A=1\nB=x\\\nC=y\n", "\n", "f"),
                   ["#A=1", "B=x\\", "C=y"]);
  assert.equal(failureOf(() => parseEnvRecords("# comment\n", "\n", "f")).message,
               "can't parse variable: no delimiter: f:1");
});

test("§2.3 NUL-delimited: a record loses one trailing newline, keeps inner ones", () => {
  assert.deepEqual(parseEnvRecords("A=x\n\0B=y\n\n\0C=z", "\0", "f"),
                   ["A=x", "B=y\n", "C=z"]);
  assert.deepEqual(parseEnvRecords("A=1\0\n", "\0", "f"), ["A=1"]);
});

test("§2.3 newline-delimited: a record ends at a NUL (C string)", () => {
  assert.deepEqual(parseEnvRecords("A=x\0y\n\0B=1\nC=2\n", "\n", "f"), ["A=x", "C=2"]);
});

test("§2.3 quotes: one enclosing pair of single quotes only, length >= 2", () => {
  assert.deepEqual(parseEnvRecords("A='\nB=''\nC='x\nD=x'\nE='a'b'\nF=\"a\"\n", "\n", "f"),
                   ["A='", "B=", "C='x", "D=x'", "E=a'b", "F=\"a\""]);
});

test("§2.3 parseEnvAssignment: errors name the argument itself", () => {
  assert.equal(parseEnvAssignment("FOO=bar=baz"), "FOO=bar=baz");
  assert.equal(parseEnvAssignment("FOO='bar'"), "FOO=bar");
  assert.equal(parseEnvAssignment("FOO=a\nb"), "FOO=a\nb");
  assert.equal(failureOf(() => parseEnvAssignment("=bar")).message, "can't parse variable: empty name: =bar");
  assert.equal(failureOf(() => parseEnvAssignment("FOO bar")).message, "can't parse variable: no delimiter: FOO bar");
});

// ---------------------------------------------------------------------------
// §2.3 argument forms

test("§2.3 --set-env with no ARG: image /ch/environment, read later", () => {
  var read: string[] = [];
  var d = parseSetEnvArg(undefined, "\n", (p) => { read.push(p); });
  assert.deepEqual(d, { kind: "set-image-file", path: "/ch/environment", delimiter: "\n" });
  assert.deepEqual(parseSetEnvArg(undefined, "\0", noFile),
                   { kind: "set-image-file", path: "/ch/environment", delimiter: "\0" });
  assert.deepEqual(read, []);
});

test("§2.3 --set-env=NAME=VALUE: one assignment, no file read", () => {
  assert.deepEqual(parseSetEnvArg("PATH=/opt/bin:$PATH", "\n", noFile),
                   { kind: "set", source: "PATH=/opt/bin:$PATH", vars: ["PATH=/opt/bin:$PATH"] });
  assert.deepEqual(parseSetEnvArg("A=x\0y", "\0", noFile),
                   { kind: "set", source: "A=x\0y", vars: ["A=x\0y"] });
  assert.equal(failureOf(() => parseSetEnvArg("=bar", "\n", noFile)).message,
               "can't parse variable: empty name: =bar");
});

test("§2.3 --set-env=FILE: host file read at parse time", () => {
  var read: string[] = [];
  var d = parseSetEnvArg("/h/env", "\n", (p, each) => { read.push(p); each("A=1\nB=2\n"); });
  assert.deepEqual(read, ["/h/env"]);
  assert.deepEqual(d, { kind: "set", source: "/h/env", vars: ["A=1", "B=2"] });
  assert.equal(failureOf(() => parseSetEnvArg("/h/env", "\n", files({ "/h/env": "A=1\nB\n" }))).message,
               "can't parse variable: no delimiter: /h/env:2");
});

test("§2.3 --set-env='$PATH:foo' is a file name: can't open", () => {
  var f = failureOf(() => parseSetEnvArg("$PATH:foo", "\n", noFile));
  assert.equal(f.message, "can't open: $PATH:foo");
  assert.equal(f.strerror, "No such file or directory");
  assert.equal(f.exitCode, 31);
});

test("§2.3 a non-SysError thrown by the reader is a bug and propagates", () => {
  assert.throws(() => parseSetEnvArg("/h/env", "\n", () => { throw new TypeError("bug"); }), TypeError);
});

// ---------------------------------------------------------------------------
// §2.4 expansion

test("§2.4 expandValue: items, empty items, unset and empty variables", () => {
  var vars: { [k: string]: string } = { SET: "foo", EMPTY: "", "BAR baz": "sp" };
  var look = (n: string) => (Object.prototype.hasOwnProperty.call(vars, n) ? vars[n] : undefined);
  assert.equal(expandValue("", look), "");
  assert.equal(expandValue("$", look), "$");
  assert.equal(expandValue("$$", look), "");
  assert.equal(expandValue("$EMPTY:a", look), "a");
  assert.equal(expandValue("$BAR baz", look), "sp");
  assert.equal(expandValue("x$SET:$SET", look), "x$SET:foo");
  assert.equal(expandValue("${SET}", look), "");
});

// The ch-run --set-env test file (§2.4), with blank lines as in the original.
var SET_ENV_FILE = [
  "chse_a1=bar", "chse_a2=bar=baz", "chse_a3=bar baz", "chse_a4='bar'", "chse_a5=", "chse_a6=''",
  "chse_a7=''''", "",
  'chse_b1="bar"', "chse_b2=bar # baz", " chse_b3=bar", "chse_b4= bar", "",
  "chse_c1=foo", "chse_c1=bar", "",
  "chse_d1=foo:", "chse_d2=:foo", "chse_d3=:", "chse_d4=::", "chse_d5=$SET", "chse_d6=$SET:$SET2",
  "chse_d7=bar:$SET", "chse_d8=bar:baz:$SET", "chse_d9=$SET:bar", "chse_dA=$SET:bar:baz",
  "chse_dB=bar:$SET:baz", "chse_dC=bar:baz:$SET:bar:baz", "",
  "chse_e1=:$SET", "chse_e2=::$SET", "chse_e3=$SET:", "chse_e4=$SET::", "chse_e5=bar:$",
  "chse_e6=bar:*", "chse_e7=bar$SET", "chse_e8=bar::$SET", "",
  "chse_f1=$UNSET", "chse_f2=foo:$UNSET", "chse_f3=foo:$UNSET:", "chse_f4=$UNSET:foo",
  "chse_f5=:$UNSET:foo", "chse_f6=foo:$UNSET:$UNSET2", "chse_f7=foo:$UNSET:$UNSET2:",
  "chse_f8=$UNSET:$UNSET2:foo", "chse_f9=:$UNSET:$UNSET2:foo", "chse_fA=foo:$UNSET:bar",
  "chse_fB=foo:$UNSET:$UNSET2:bar", "chse_fC=:$UNSET", "chse_fD=::$UNSET", "chse_fE=$UNSET:",
  "chse_fF=$UNSET::",
].join("\n") + "\n";

var SET_ENV_EXPECTED: Array<[string, string]> = [
  ["chse_a1", "bar"], ["chse_a2", "bar=baz"], ["chse_a3", "bar baz"], ["chse_a4", "bar"], ["chse_a5", ""],
  ["chse_a6", ""], ["chse_a7", "''"],
  ["chse_b1", '"bar"'], ["chse_b2", "bar # baz"], [" chse_b3", "bar"], ["chse_b4", " bar"],
  ["chse_c1", "bar"],
  ["chse_d1", "foo:"], ["chse_d2", ":foo"], ["chse_d3", ":"], ["chse_d4", "::"], ["chse_d5", "foo"],
  ["chse_d6", "foo:boo"], ["chse_d7", "bar:foo"], ["chse_d8", "bar:baz:foo"], ["chse_d9", "foo:bar"],
  ["chse_dA", "foo:bar:baz"], ["chse_dB", "bar:foo:baz"], ["chse_dC", "bar:baz:foo:bar:baz"],
  ["chse_e1", ":foo"], ["chse_e2", "::foo"], ["chse_e3", "foo:"], ["chse_e4", "foo::"], ["chse_e5", "bar:$"],
  ["chse_e6", "bar:*"], ["chse_e7", "bar$SET"], ["chse_e8", "bar::foo"],
  ["chse_f1", ""], ["chse_f2", "foo"], ["chse_f3", "foo:"], ["chse_f4", "foo"], ["chse_f5", ":foo"],
  ["chse_f6", "foo"], ["chse_f7", "foo:"], ["chse_f8", "foo"], ["chse_f9", ":foo"], ["chse_fA", "foo:bar"],
  ["chse_fB", "foo:bar"], ["chse_fC", ""], ["chse_fD", ":"], ["chse_fE", ""], ["chse_fF", ":"],
];

test("§2.4 ch-run --set-env test vectors (file)", () => {
  var env = applyAll(Environment.fromList(["SET=foo", "SET2=boo"]), [fileDelta(SET_ENV_FILE)]);
  for (var [name, value] of SET_ENV_EXPECTED)
    assert.equal(env.get(name), value, name);
  // Every chse_ variable is one of the expected ones, in file order.
  var chse = env.names().filter((n) => n.indexOf("chse_") >= 0);
  assert.deepEqual(chse, SET_ENV_EXPECTED.map((e) => e[0]));
});

test("§2.4 ch-run --set-env vectors also as --set-env=NAME=VALUE arguments", () => {
  var lines = SET_ENV_FILE.split("\n").filter((l) => l !== "");
  var env = applyAll(Environment.fromList(["SET=foo", "SET2=boo"]),
                     lines.map((l) => parseSetEnvArg(l, "\n", noFile)));
  for (var [name, value] of SET_ENV_EXPECTED)
    assert.equal(env.get(name), value, name);
});

test("§2.4 --set-env0 vectors", () => {
  var text = "chse_a1=bar\0chse_a4='bar'\0chse_d7=bar:$SET\0chse_g1=foo\nbar\0";
  var env = applyAll(Environment.fromList(["SET=foo"]), [fileDelta(text, "\0")]);
  assert.equal(env.get("chse_a1"), "bar");
  assert.equal(env.get("chse_a4"), "bar");
  assert.equal(env.get("chse_d7"), "bar:foo");
  assert.equal(env.get("chse_g1"), "foo\nbar");
});

test("§2.4 --env-no-expand: values literal, logged as such", () => {
  var log = logAt(1);
  var env = applyAll(Environment.fromList(["test=T"]), [parseSetEnvArg("foo=$test:app", "\n", noFile)], false);
  setVerbosity(0);
  assert.equal(env.get("foo"), "$test:app");
  assert.deepEqual(log, ["ch-run[42]: environment: foo=$test:app\n"]);
});

test("§2.4 VERBOSE environment: NAME=VALUE shows the expanded value, only at -v", () => {
  var log = logAt(0);
  applyAll(Environment.fromList(["SET=foo"]), [parseSetEnvArg("X=$SET:y", "\n", noFile)]);
  assert.deepEqual(log, []);
  log = logAt(1);
  applyAll(Environment.fromList(["SET=foo"]), [parseSetEnvArg("X=$SET:y", "\n", noFile)]);
  setVerbosity(0);
  assert.deepEqual(log, ["ch-run[42]: environment: X=foo:y\n"]);
});

test("§2.2 expansion sees the environment as modified so far (incl. earlier lines)", () => {
  var env = applyAll(Environment.fromList(["A=host"]), [
    fileDelta("A=file\nB=$A:1\n"),
    parseSetEnvArg("C=$B:2", "\n", noFile),
  ]);
  assert.equal(env.get("B"), "file:1");
  assert.equal(env.get("C"), "file:1:2");
});

// ---------------------------------------------------------------------------
// §2.2 defaults

function defaults(host: string[], home = "/root"): Environment {
  var env = Environment.fromList(host);
  applyDefaultsFirst(env, home);
  return env;
}

test("§2.2 HOME is set (in place if present, else appended)", () => {
  assert.deepEqual(defaults(["HOME=/home/u", "PATH=/bin"], "/root").toList(), ["HOME=/root", "PATH=/bin"]);
  assert.deepEqual(defaults(["PATH=/bin"], "/").toList(), ["PATH=/bin", "HOME=/"]);
});

test("§2.2 PATH /bin substring rule", () => {
  var rows: Array<[string, string]> = [
    ["X:/bin:/usr/bin", "X:/bin:/usr/bin"],
    ["/bin:X:/usr/bin", "/bin:X:/usr/bin"],
    ["X:/usr/bin", "X:/usr/bin:/bin"],
    ["/binx:/usr/bin", "/binx:/usr/bin"],
    ["/usr/bin:/binx", "/usr/bin:/binx"],
    ["", ":/bin"],
    ["/usr/local/bin", "/usr/local/bin:/bin"],
  ];
  for (var [before, after] of rows)
    assert.equal(defaults(["PATH=" + before]).get("PATH"), after, before);
});

test("§2.2 PATH: VERBOSE new $PATH only when changed", () => {
  var log = logAt(1);
  defaults(["PATH=X:/usr/bin"]);
  defaults(["PATH=/bin"]);
  setVerbosity(0);
  assert.deepEqual(log, ["ch-run[42]: new $PATH: X:/usr/bin:/bin\n"]);
});

test("§2.2 PATH unset: warning, stays unset", () => {
  var log = logAt(0);
  var env = defaults(["A=1"]);
  assert.equal(env.get("PATH"), undefined);
  assert.deepEqual(log, ["ch-run[42]: warning: $PATH not set\n"]);
});

test("§2.2 TMPDIR is always unset; the rest passes through unchanged", () => {
  var host = ["TMPDIR=/var/tmp", "LD_LIBRARY_PATH=/l", "SLURM_JOB_ID=7", "OMPI_X=1", "SHLVL=2", "PWD=/tmp",
              "OLDPWD=/", "_=/usr/bin/ch-run", "TERM=xterm", "LANG=C", "PATH=/usr/bin:/bin", "HOME=/h"];
  var env = defaults(host, "/root");
  applyDefaultsLast(env);
  assert.deepEqual(env.toList(), ["LD_LIBRARY_PATH=/l", "SLURM_JOB_ID=7", "OMPI_X=1", "SHLVL=2", "PWD=/tmp",
                                  "OLDPWD=/", "_=/usr/bin/ch-run", "TERM=xterm", "LANG=C",
                                  "PATH=/usr/bin:/bin", "HOME=/root", "CH_RUNNING=Weird Al Yankovic"]);
});

test("§2.2 CH_RUNNING is set last and survives --unset-env='*'", () => {
  var env = defaults(["PATH=/bin", "CH_RUNNING=x", "A=1"]);
  applyAll(env, [{ kind: "unset", glob: "*" }]);
  assert.deepEqual(env.toList(), []);
  applyDefaultsLast(env);
  assert.deepEqual(env.toList(), ["CH_RUNNING=Weird Al Yankovic"]);
});

// ---------------------------------------------------------------------------
// §2.2 step 4 and §2.5 --unset-env

test("§2.5 --unset-env='SLURM*' hides Slurm; VERBOSE environment: unset NAME", () => {
  var log = logAt(1);
  var env = applyAll(Environment.fromList(["SLURM_JOB_ID=1", "A=2", "SLURM_NTASKS=3", "MY_SLURM=4"]),
                     [{ kind: "unset", glob: "SLURM*" }]);
  setVerbosity(0);
  assert.deepEqual(env.toList(), ["A=2", "MY_SLURM=4"]);
  assert.deepEqual(log, ["ch-run[42]: environment: unset SLURM_JOB_ID\n",
                         "ch-run[42]: environment: unset SLURM_NTASKS\n"]);
});

test("§2.5 extglob '!(WANTED_*|ALSO_WANTED_*)' keeps only the wanted", () => {
  var env = applyAll(Environment.fromList(["WANTED_1=a", "X=b", "ALSO_WANTED_2=c", "WANTED=d", "PATH=/bin"]),
                     [{ kind: "unset", glob: "!(WANTED_*|ALSO_WANTED_*)" }]);
  assert.deepEqual(env.toList(), ["WANTED_1=a", "ALSO_WANTED_2=c"]);
});

test("§2.5 extglob 'chue_@(1|2)'", () => {
  var env = applyAll(Environment.fromList(["chue_1=a", "chue_2=b", "chue_3=c", "chue_12=d"]),
                     [{ kind: "unset", glob: "chue_@(1|2)" }]);
  assert.deepEqual(env.names(), ["chue_3", "chue_12"]);
});

test("§2.5 unset matches names only, never values; * matches . and /", () => {
  var env = applyAll(Environment.fromList(["A=SLURM_X", "a.b/c=1", "B=2"]),
                     [{ kind: "unset", glob: "SLURM*" }, { kind: "unset", glob: "a*c" }]);
  assert.deepEqual(env.toList(), ["A=SLURM_X", "B=2"]);
});

test("§2.5 deltas apply in command-line order", () => {
  var env = applyAll(Environment.fromList(["A=1"]), [
    parseSetEnvArg("B=2", "\n", noFile),
    { kind: "unset", glob: "?" },
    parseSetEnvArg("C=$A", "\n", noFile),
  ]);
  assert.deepEqual(env.toList(), ["C="]);  // A was gone when C was expanded
});

test("§2.2 step 4: --unset-env='*' --set-env gives the pure image env (+ CH_RUNNING)", () => {
  var image = files({ "/ch/environment": "PATH=/usr/local/bin:/usr/bin:/bin\nLANG=C.UTF-8\n" });
  var env = defaults(["PATH=/host/bin", "USER=u", "HOME=/home/u"]);
  applyAll(env, [{ kind: "unset", glob: "*" }, parseSetEnvArg(undefined, "\n", noFile)], true, image);
  applyDefaultsLast(env);
  assert.deepEqual(env.toList(), ["PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8",
                                  "CH_RUNNING=Weird Al Yankovic"]);
});

test("§2.3 idioms: prepend to host PATH, or to the Dockerfile PATH", () => {
  var image = files({ "/ch/environment": "PATH=/img/bin:/bin\n" });
  var host = defaults(["PATH=/usr/bin:/bin"]);
  applyAll(host, [parseSetEnvArg("PATH=/opt/bin:$PATH", "\n", noFile)], true, image);
  assert.equal(host.get("PATH"), "/opt/bin:/usr/bin:/bin");
  var img = defaults(["PATH=/usr/bin:/bin"]);
  applyAll(img, [parseSetEnvArg(undefined, "\n", noFile), parseSetEnvArg("PATH=/opt/bin:$PATH", "\n", noFile)],
           true, image);
  assert.equal(img.get("PATH"), "/opt/bin:/img/bin:/bin");
});

test("§2.2 E=$HOME:x sees the container HOME", () => {
  var env = defaults(["HOME=/home/u", "PATH=/bin"], "/root");
  applyAll(env, [parseSetEnvArg("E=$HOME:x", "\n", noFile)]);
  assert.equal(env.get("E"), "/root:x");
});

test("§2.6 HOME set by the defaults can be removed with --unset-env=HOME", () => {
  var env = defaults(["PATH=/bin"], "/root");
  applyAll(env, [{ kind: "unset", glob: "HOME" }]);
  assert.equal(env.get("HOME"), undefined);
});

test("§2.3 image file: read when applied, NUL-delimited, missing → can't open", () => {
  var reads: string[] = [];
  var image: ReadChunks = (p, each) => { reads.push(p); each("A=$B\0B=2\0"); };
  var d = parseSetEnvArg(undefined, "\0", noFile);
  assert.deepEqual(reads, []);
  var env = applyAll(Environment.fromList(["B=1"]), [d], true, image);
  assert.deepEqual(reads, ["/ch/environment"]);
  assert.deepEqual(env.toList(), ["B=2", "A=1"]);
  var f = failureOf(() => applyAll(new Environment(), [d]));
  assert.equal(f.message, "can't open: /ch/environment");
  assert.equal(f.strerror, "No such file or directory");
  assert.equal(f.exitCode, 31);
});

test("§2.3 image file parse errors name /ch/environment:LINE; nothing is set", () => {
  var env = Environment.fromList(["K=1"]);
  var f = failureOf(() => applyAll(env, [parseSetEnvArg(undefined, "\n", noFile)], true,
                                   files({ "/ch/environment": "A=1\n\nB\n" })));
  assert.equal(f.message, "can't parse variable: no delimiter: /ch/environment:3");
  assert.deepEqual(env.toList(), ["K=1"]);
});

// ---------------------------------------------------------------------------
// §2.5 fnmatch(3) with FNM_EXTMATCH, cross-checked against glibc

for (var [pattern, name, want] of FNMATCH_GLIBC) {
  const p = pattern, n = name, w = want;
  test("fnmatch(" + JSON.stringify(p) + ", " + JSON.stringify(n) + ") is " + w + " as in glibc", () => {
    assert.equal(compile(p)(n), w);
  });
}
