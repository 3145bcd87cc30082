// src/log: ch-run's message format and levels (doc/diagnostics.md §6.2–6.3), colour,
// the error line main() prints for a failure, ch-run's argv quoting and the
// syslog line built from it (§6.4).

import { test, describe } from "node:test";
import assert from "node:assert/strict";

import { argvToString, invocationLine } from "../../src/log/argv.ts";
import { describeFailure, EXIT_CMD, EXIT_MISC_ERR, Failure, fail, isFailure } from "../../src/log/fail.ts";
import * as log from "../../src/log/log.ts";
import { sharedWarningStore, WARNINGS_SIZE } from "../../src/log/warnings.ts";

let lines: string[] = [];

function sink(color = false, store = true): void {
  lines = [];
  log.configure({ prog: "ch-run", pid: () => 123, write: (l) => { lines.push(l); }, color },
                store ? sharedWarningStore(new ArrayBuffer(WARNINGS_SIZE)) : null);
}

function everyLevel(): void {
  log.error("e");
  log.warning("w");
  log.info("i");
  log.verbose("v");
  log.debug("d");
  log.trace("t");
}

describe("levels", () => {
  const want: Array<[number, string[]]> = [
    [-4, []],
    [-3, ["ch-run[123]: error: e\n"]],
    [-2, ["ch-run[123]: error: e\n"]],
    [-1, ["ch-run[123]: error: e\n", "ch-run[123]: warning: w\n"]],
    [0, ["ch-run[123]: error: e\n", "ch-run[123]: warning: w\n", "ch-run[123]: i\n"]],
    [1, ["ch-run[123]: error: e\n", "ch-run[123]: warning: w\n", "ch-run[123]: i\n", "ch-run[123]: v\n"]],
    [2, ["ch-run[123]: error: e\n", "ch-run[123]: warning: w\n", "ch-run[123]: i\n", "ch-run[123]: v\n",
         "ch-run[123]: d\n"]],
    [3, ["ch-run[123]: error: e\n", "ch-run[123]: warning: w\n", "ch-run[123]: i\n", "ch-run[123]: v\n",
         "ch-run[123]: d\n", "ch-run[123]: t\n"]],
  ];
  for (const [verbosity, expect] of want)
    test(`verbosity ${verbosity}: a message prints iff its level <= verbosity`, () => {
      sink();
      log.setVerbosity(verbosity);
      everyLevel();
      assert.deepEqual(lines, expect);
      assert.equal(log.enabled(log.LL_VERBOSE), verbosity >= 1);
    });

  test("--program-name renames the program in log lines", () => {
    sink();
    log.setVerbosity(0);
    log.setProg("foo");
    log.info("x");
    assert.deepEqual(lines, ["foo[123]: x\n"]);
  });
});

describe("colour", () => {
  test("off: plain lines; on: each level in its ANSI colour, reset at the end", () => {
    sink(true);
    log.setVerbosity(3);
    everyLevel();
    assert.deepEqual(lines, [
      "\x1b[31;1mch-run[123]: error: e\x1b[0m\n", "\x1b[33mch-run[123]: warning: w\x1b[0m\n",
      "\x1b[0mch-run[123]: i\x1b[0m\n", "\x1b[38;5;245mch-run[123]: v\x1b[0m\n",
      "\x1b[38;5;240mch-run[123]: d\x1b[0m\n", "\x1b[38;5;235mch-run[123]: t\x1b[0m\n",
    ]);
    log.setColor(false);
    lines = [];
    log.warning("w");
    assert.deepEqual(lines, ["ch-run[123]: warning: w\n"]);
  });
});

describe("the warnings reprint", () => {
  test("at exit: a header, then each warning as it was printed", () => {
    sink();
    log.setVerbosity(0);
    log.warning("one");
    log.info("not a warning");
    log.warning("two");
    lines = [];
    log.reprintWarnings();
    assert.deepEqual(lines, ["ch-run[123]: warning: reprinting first 2 warning(s)\n",
                             "ch-run[123]: warning: one\n", "ch-run[123]: warning: two\n"]);
  });

  test("nothing without warnings, nor when warnings are hidden (-qq)", () => {
    sink();
    log.setVerbosity(0);
    log.reprintWarnings();
    assert.deepEqual(lines, []);
    log.setVerbosity(-2);
    log.warning("hidden");
    log.reprintWarnings();
    assert.deepEqual(lines, []);
  });

  test("warnings hidden by -qq are still stored, and -q shows them", () => {
    sink();
    log.setVerbosity(-1);
    log.warning("w");
    log.reprintWarnings();
    assert.equal(lines.length, 3);
  });

  test("in colour too", () => {
    sink(true);
    log.setVerbosity(0);
    log.warning("w");
    lines = [];
    log.reprintWarnings();
    assert.deepEqual(lines, ["\x1b[33mch-run[123]: warning: reprinting first 1 warning(s)\x1b[0m\n",
                             "\x1b[33mch-run[123]: warning: w\x1b[0m\n"]);
  });
});

describe("failures", () => {
  function failure(f: () => void): Failure {
    try {
      f();
    } catch (e) {
      if (isFailure(e)) return e;
      throw e;
    }
    return assert.fail("no failure");
  }
  const enoent = { message: "open: /x", syscall: "open", code: "ENOENT", errno: 2, strerror: "No such file or directory" };

  test("MESSAGE, MESSAGE: STRERROR, with (hint: ...), exit 31 unless said otherwise", () => {
    let f = failure(() => fail("can't open: /x", enoent));
    assert.equal(describeFailure(f), "can't open: /x: No such file or directory");
    assert.equal(f.exitCode, EXIT_MISC_ERR);
    f = failure(() => fail("bad", undefined, { hint: "do this" }));
    assert.equal(describeFailure(f), "bad (hint: do this)");
    f = failure(() => fail("can't execvpe(3): x", enoent, { hint: "h", exitCode: EXIT_CMD }));
    assert.equal(describeFailure(f), "can't execvpe(3): x: No such file or directory (hint: h)");
    assert.equal(f.exitCode, EXIT_CMD);
  });

  test("a cause that is not a system error is a bug and passes through", () => {
    const bug = new TypeError("oops");
    assert.throws(() => fail("x", bug), TypeError);
  });

  test("the error line", () => {
    sink();
    log.setVerbosity(0);
    log.error(describeFailure(failure(() => fail("can't open: /x", enoent))));
    assert.deepEqual(lines, ["ch-run[123]: error: can't open: /x: No such file or directory\n"]);
  });
});

describe("argv_to_string", () => {
  test("plain words joined by spaces", () => {
    assert.equal(argvToString(["ch-run", "/img", "--", "echo", "foo"]), "ch-run /img -- echo foo");
  });

  test("ch-run's documented example (doc/diagnostics.md §6.4)", () => {
    assert.equal(argvToString(["ch-run", "/img", "--", "echo", "foo", "b a}$r"]),
                 'ch-run /img -- echo foo "b a}\\$r"');
  });

  test('quoted for white space, non-printable and non-ASCII; ! " $ \\ ` also backslashed', () => {
    for (const c of "#%&'()*;<=>?[]^{|}~")
      assert.equal(argvToString([`a${c}b`]), `"a${c}b"`, c);
    for (const c of '!"$\\`')
      assert.equal(argvToString([`a${c}b`]), `"a\\${c}b"`, c);
    for (const c of [" ", "\t", "\n", "\x7f", "\x01", "é", "\u2603"])
      assert.equal(argvToString([`a${c}b`]), `"a${c}b"`, JSON.stringify(c));
    for (const c of "+,-./:@_0aZ")
      assert.equal(argvToString([`a${c}b`]), `a${c}b`, c);
  });

  test("every UTF-16 code unit but +,-./0-9:@A-Z_a-z quotes its word, raw bytes (U+DC80..) included", () => {
    for (let u = 0; u < 0x10000; u++) {
      const c = String.fromCharCode(u);
      const safe = "+,-./:@_".includes(c) || /^[0-9A-Za-z]$/.test(c);
      assert.equal(argvToString([`a${c}b`]).startsWith('"'), !safe, `U+${u.toString(16)}`);
    }
  });

  test("an empty argument stays empty (ch-run 0.31: two spaces)", () => {
    assert.equal(argvToString(["echo", "", "x"]), "echo  x");
  });

  test("the syslog line: uid=N args=N: ARGV", () => {
    const argv = ["/usr/bin/ch-run", "-v", "/img", "--", "echo", "a b"];
    assert.equal(invocationLine(1000, argv), 'uid=1000 args=6: /usr/bin/ch-run -v /img -- echo "a b"');
  });
});
