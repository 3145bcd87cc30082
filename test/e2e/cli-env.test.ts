// --set-env, --set-env0, --unset-env and --env-no-expand through the real
// binary (doc/environment.md §2.2–2.5): the three --set-env forms (the image's
// /ch/environment read inside the container, NAME=VALUE, a host file or
// pipe read while parsing), the file syntax and $VAR expansion, extglob
// patterns, command-line order, and the command found on the container's
// PATH as modified. Every vector of §2.3–2.4 is also a unit test
// (test/unit/env.test.ts); here each form runs end to end.

import { describe, test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH,
  As,
  IMG,
  RunOpts,
  RunResult,
  SKIFF,
  cleanupScratch,
  describeResult,
  run,
  scratchDir,
  skiff,
  userCopyOfImage,
} from "../lib/harness.js";

after(cleanupScratch);

/** The command's environment, as env(1) prints it. */
function envOf(r: RunResult): Record<string, string> {
  assert.equal(r.status, 0, describeResult(r));
  const out: Record<string, string> = {};
  // values may hold newlines: split on NUL (env -0)
  for (const entry of r.stdout.split("\0")) {
    if (entry === "") continue;
    const eq = entry.indexOf("=");
    out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

/** skiff run OPTIONS IMG -- env -0, as AS. */
function envWith(as: As, options: string[], opts: RunOpts = {}): Record<string, string> {
  return envOf(skiff(["run", ...options, IMG, "--", "/bin/env", "-0"], { ...opts, as }));
}

/** A host file with text, readable by AS. */
function hostFile(as: As, text: string): string {
  const f = `${scratchDir(as, "env")}/vars`;
  fs.writeFileSync(f, text);
  fs.chmodSync(f, 0o644);
  return f;
}

const IMAGE_VARS = { CH_TEST_IMG_VAR: "from-image", CH_TEST_IMG_SPACES: "a b  c", PATH: "/usr/sbin:/usr/bin:/sbin:/bin" };

describe("--set-env forms", () => {
  for (const as of AS_BOTH) {
    test(`bare --set-env: the image's /ch/environment, read inside the container, as ${as}`, () => {
      const env = envWith(as, ["--set-env"]);
      for (const [k, v] of Object.entries(IMAGE_VARS)) assert.equal(env[k], v, k);
    });

    test(`a directory image's /ch/environment named as a host file: the same, as ${as}`, () => {
      const env = envWith(as, [`--set-env=${IMG}/ch/environment`]);
      for (const [k, v] of Object.entries(IMAGE_VARS)) assert.equal(env[k], v, k);
    });

    test(`bare --set-env with an image lacking /ch/environment: a run-time error, exit 31, as ${as}`, () => {
      const img = userCopyOfImage(as);
      fs.rmSync(`${img}/ch/environment`);
      const r = skiff(["run", "--set-env", img, "--", "/bin/true"], { as });
      assert.equal(r.status, 31, describeResult(r));
      assert.match(r.stderr, /^skiff\[\d+\]: error: can't open: \/ch\/environment: No such file or directory\n/);
    });

    test(`NAME=VALUE, expanded against the environment so far, as ${as}`, () => {
      const env = envWith(as, ["--set-env=FOO=bar", "--set-env=P=/opt/bin:$PATH", "--set-env=E=$HOME:x",
                               "--set-env=U=a:$NO_SUCH_VAR:b", "--set-env=Q='quoted'", "--set-env=EQ=a=b"],
                          { env: { PATH: "/usr/bin:/bin" } });
      assert.equal(env.FOO, "bar");
      assert.equal(env.P, "/opt/bin:/usr/bin:/bin");
      assert.equal(env.E, "/root:x"); // HOME is set before the deltas
      assert.equal(env.U, "a:b");
      assert.equal(env.Q, "quoted");
      assert.equal(env.EQ, "a=b");
    });

    test(`a host file: the §2.3 table, line by line, as ${as}`, () => {
      const f = hostFile(as, [
        "FOO=bar", "FOO2=bar=baz", "FLAGS=-march=foo -mtune=bar", "FLAGS2='-march=foo -mtune=bar'",
        "FROM_BAR=$BAR", "FROM_BAR2=$BAR:baz", "EMPTY=", "UNSET=$UNSET_X", "GAP=baz:$UNSET_X:qux",
        "COLONS=:bar:baz::", "QQ=''", "QQQQ=''''", "DQ=\"bar\"", "HASH=bar # baz", "TAB=bar\\tbaz",
        " LEAD=bar", "VAL= bar", "$DOLLAR=bar", "SPACE_NAME=$BAR baz:qux", "", "LAST=1\r",
      ].join("\n") + "\n");
      const env = envWith(as, [`--set-env=${f}`], { env: { BAR: "bar" } });
      const want: Record<string, string> = {
        FOO: "bar", FOO2: "bar=baz", FLAGS: "-march=foo -mtune=bar", FLAGS2: "-march=foo -mtune=bar",
        FROM_BAR: "bar", FROM_BAR2: "bar:baz", EMPTY: "", UNSET: "", GAP: "baz:qux", COLONS: ":bar:baz::", QQ: "",
        QQQQ: "''", DQ: '"bar"', HASH: "bar # baz", TAB: "bar\\tbaz", " LEAD": "bar", VAL: " bar", $DOLLAR: "bar",
        SPACE_NAME: "qux", LAST: "1\r",
      };
      for (const [k, v] of Object.entries(want)) assert.equal(env[k], v, JSON.stringify(k));
    });

    test(`a pipe: bash's <(...), read once while parsing, as ${as}`, () => {
      const script = `exec ${SKIFF} run --set-env=<(printf 'A=1\\nB=$A:2\\n') ${IMG} -- /bin/env -0`;
      const env = envOf(run(["bash", "-c", script], { as }));
      assert.equal(env.A, "1");
      assert.equal(env.B, "1:2");
    });

    test(`--set-env0: NUL-delimited files keep newlines in values, as ${as}`, () => {
      const f = hostFile(as, "chse_a1=bar\0chse_a4='bar'\0chse_d7=bar:$SET\0chse_g1=foo\nbar\0\0");
      const env = envWith(as, [`--set-env0=${f}`, "--set-env0=ONE=x\ny"], { env: { SET: "foo" } });
      assert.equal(env.chse_a1, "bar");
      assert.equal(env.chse_a4, "bar");
      assert.equal(env.chse_d7, "bar:foo");
      assert.equal(env.chse_g1, "foo\nbar");
      assert.equal(env.ONE, "x\ny");
    });

    test(`--set-env0 bare: /ch/environment as one NUL-delimited record, as ${as}`, () => {
      const env = envWith(as, ["--set-env0"]);
      assert.equal(env.CH_TEST_IMG_VAR, "from-image\nCH_TEST_IMG_SPACES=a b  c\nPATH=/usr/sbin:/usr/bin:/sbin:/bin");
    });

    test(`--env-no-expand: values literal, wherever it appears, as ${as}`, () => {
      const f = hostFile(as, "F=$HOME:x\n");
      for (const order of [["--env-no-expand", "--set-env=A=$HOME", `--set-env=${f}`],
                           ["--set-env=A=$HOME", `--set-env=${f}`, "--env-no-expand"]]) {
        const env = envWith(as, order);
        assert.equal(env.A, "$HOME");
        assert.equal(env.F, "$HOME:x");
      }
    });
  }
});

describe("--unset-env", () => {
  for (const as of AS_BOTH) {
    test(`globs and extglob patterns match whole names, as ${as}`, () => {
      const host = { chue_1: "a", chue_2: "b", chue_3: "c", KEEP_A: "k", KEEP_B: "k", DROP: "d", SLURM_X: "s",
                     "a.b": "dot" };
      let env = envWith(as, ["--unset-env=chue_@(1|2)"], { env: host });
      assert.deepEqual([env.chue_1, env.chue_2, env.chue_3], [undefined, undefined, "c"]);
      env = envWith(as, ["--unset-env=SLURM*", "--unset-env=?(D)ROP", "--unset-env=*.*"], { env: host });
      assert.deepEqual([env.SLURM_X, env.DROP, env["a.b"], env.KEEP_A], [undefined, undefined, undefined, "k"]);
      env = envWith(as, ["--unset-env=!(KEEP_*|PATH)"], { env: host });
      assert.deepEqual(Object.keys(env).sort(), ["CH_RUNNING", "KEEP_A", "KEEP_B", "PATH", "PWD"]);
      env = envWith(as, ["--unset-env=+(chue_[12])", "--unset-env=*(x)"], { env: host });
      assert.deepEqual([env.chue_1, env.chue_2, env.chue_3], [undefined, undefined, "c"]);
    });

    test(`a repeated group against a name thousands of characters long: one error line, as ${as}`, () => {
      const name = "A".repeat(20000);
      const r = skiff(["run", "--unset-env=*(A)", IMG, "--", "true"], { as, env: { [name]: "1" } });
      assert.equal(r.status, 31, describeResult(r));
      assert.match(r.stderr, /^skiff\[\d+\]: error: --unset-env: can't match \*\(A\) against a variable name 20000 characters long \(hint: .*--unset-env='AAAAAAAA\*'\)\n$/);
    });

    test(`'*': all gone but CH_RUNNING (and PWD, set at exec), as ${as}`, () => {
      const r = skiff(["run", "--unset-env=*", IMG, "--", "/bin/env"], { as });
      assert.equal(r.status, 0, describeResult(r));
      assert.equal(r.stdout, "CH_RUNNING=Weird Al Yankovic\nPWD=/\n");
    });

    test(`'*' then bare --set-env: the image's environment alone, as ${as}`, () => {
      const env = envWith(as, ["--unset-env=*", "--set-env"]);
      assert.deepEqual(env, { ...IMAGE_VARS, CH_RUNNING: "Weird Al Yankovic", PWD: "/" });
    });

    test(`HOME can be unset or replaced; CH_RUNNING can't, as ${as}`, () => {
      let env = envWith(as, ["--unset-env=HOME", "--unset-env=CH_RUNNING"]);
      assert.equal(env.HOME, undefined);
      assert.equal(env.CH_RUNNING, "Weird Al Yankovic");
      env = envWith(as, ["--set-env=HOME=/custom", "--set-env=CH_RUNNING=no"]);
      assert.equal(env.HOME, "/custom");
      assert.equal(env.CH_RUNNING, "Weird Al Yankovic");
    });

    test(`'' is refused at once, exit 31, as ${as}`, () => {
      const r = skiff(["run", "--unset-env=", IMG, "--", "/bin/true"], { as });
      assert.equal(r.status, 31, describeResult(r));
      assert.match(r.stderr, /^skiff\[\d+\]: error: --unset-env: GLOB must have non-zero length/);
    });
  }
});

describe("command-line order and the container's PATH", () => {
  for (const as of AS_BOTH) {
    test(`set, unset and set again apply in order, as ${as}`, () => {
      let env = envWith(as, ["--set-env=A=1", "--unset-env=A", "--set-env=A=2", "--set-env=B=$A"]);
      assert.deepEqual([env.A, env.B], ["2", "2"]);
      env = envWith(as, ["--set-env=A=1", "--unset-env=A"]);
      assert.equal(env.A, undefined);
      env = envWith(as, ["--unset-env=A", "--set-env=A=1"], { env: { A: "host" } });
      assert.equal(env.A, "1");
    });

    test(`the command is looked up on PATH as --set-env left it, as ${as}`, () => {
      // /fixtures/exit-with exists only in the image
      const r = skiff(["run", "--set-env=PATH=/fixtures", IMG, "--", "exit-with", "7"], { as });
      assert.equal(r.status, 7, describeResult(r));
    });

    test(`PATH removed by --unset-env: libc's default search path, as ${as}`, () => {
      const r = skiff(["run", "--unset-env=PATH", IMG, "--", "true"], { as });
      assert.equal(r.status, 0, describeResult(r));
    });

    test(`the image's PATH through bare --set-env finds /usr/sbin commands, as ${as}`, () => {
      const r = skiff(["run", "--set-env", IMG, "--", "/bin/sh", "-c", 'echo "$PATH"'], { as, env: { PATH: "/nowhere" } });
      assert.equal(r.stdout, "/usr/sbin:/usr/bin:/sbin:/bin\n", describeResult(r));
    });
  }
});

describe("bad --set-env input: one error naming it, exit 31", () => {
  for (const as of AS_BOTH) {
    test(`missing file, $PATH:x (a file name), FILE:LINE of a bad line, empty name, as ${as}`, () => {
      const noEq = hostFile(as, "A=1\n\nno equals sign\n");
      const noName = hostFile(as, "A=1\n=x\n");
      for (const [arg, msg] of [
        ["missing.txt", "can't open: missing.txt: No such file or directory"],
        ["$PATH:x", "can't open: $PATH:x: No such file or directory"],
        [noEq, `can't parse variable: no delimiter: ${noEq}:3`],
        [noName, `can't parse variable: empty name: ${noName}:2`],
        ["=bar", "can't parse variable: empty name: =bar"],
      ]) {
        const r = skiff(["run", `--set-env=${arg}`, IMG, "--", "/bin/true"], { as, cwd: "/" });
        assert.equal(r.status, 31, describeResult(r));
        assert.equal(r.stdout, "");
        const lines = r.stderr.split("\n");
        assert.equal(lines.length, 2, r.stderr);
        assert.ok(lines[0].startsWith(`skiff[`) && lines[0].includes(`]: error: ${msg}`), r.stderr);
      }
    });
  }
});
