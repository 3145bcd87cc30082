// src/cli/options.ts, int.ts and features.ts: what each option does with
// its argument (doc/command-line.md §1.2), the -v/-q rules, the options that act
// during parsing, integer parsing, and --feature's answers.

import { test, describe } from "node:test";
import assert from "node:assert/strict";

import { ArgpIO } from "../../src/cli/argp.ts";
import { parseCdiDirs } from "../../src/cli/cdi.ts";
import { Exit } from "../../src/log/fail.ts";
import { featureStatus, FeatureFacts, kernelAtLeast } from "../../src/cli/features.ts";
import { parseInt10 } from "../../src/cli/int.ts";
import { helpDoc, Options, ParseContext, parseBind, parseOptions } from "../../src/cli/options.ts";
import { EXIT_FAILURE, EXIT_MISC_ERR, Failure, isFailure } from "../../src/log/fail.ts";
import { configure, setVerbosity } from "../../src/log/log.ts";
import { argpOracle } from "../lib/argp-oracle.ts";

interface World {
  env: Record<string, string>;
  files: Record<string, string>;
  existing: string[];
  stdout: string;
  stderr: string;
  log: string[];
  color: string[];
  tests: string[];
  slept: number[];
}

function world(): World {
  return { env: { USER: "alice", HOME: "/home/alice" }, files: {}, existing: [], stdout: "", stderr: "", log: [],
           color: [], tests: [], slept: [] };
}

function context(w: World): ParseContext {
  return {
    version: "9.9",
    env: (n) => w.env[n],
    readHostFile: (p, each) => {
      if (!(p in w.files))
        throw { message: "open: " + p, syscall: "open", code: "ENOENT", errno: 2, strerror: "No such file or directory" };
      each(w.files[p]);
    },
    exists: (p) => w.existing.includes(p),
    stderr: (t) => { w.stderr += t; },
    feature: (name) => featureStatus(name, { kernelRelease: "6.18.0", squash: true, seccomp: false }),
    testLog: (t) => { w.tests.push(t); },
    setColor: (when) => { w.color.push(when); },
  };
}

// The help is glibc's (src/cli/help.ts binds argp's): the text it prints
// for the table, as argp_parse() would.
const ORACLE = argpOracle(helpDoc("ch-run"));

function io(w: World): ArgpIO {
  const argpIO: ArgpIO = {
    argv0: "/usr/bin/ch-run", name: "ch-run",
    stdout: (t) => { w.stdout += t; },
    stderr: (t) => { w.stderr += t; },
    renderHelp: (_doc, flags) => ORACLE.help(argpIO.name, flags),
    rename: () => {},
    sleep: (s) => { w.slept.push(s); },
  };
  return argpIO;
}

function parse(args: string[], w: World = world()): Options {
  setVerbosity(0);
  configure({ prog: "ch-run", pid: () => 7, write: (l) => { w.log.push(l); }, color: false }, null);
  return parseOptions(args, context(w), io(w));
}

/** The Failure args cause. */
function failure(args: string[], w: World = world()): Failure {
  try {
    parse(args, w);
  } catch (e) {
    if (isFailure(e)) return e;
    throw e;
  }
  return assert.fail(`no failure for ${JSON.stringify(args)}`);
}

/** The exit status args end parsing with. */
function exitOf(args: string[], w: World = world()): number {
  try {
    parse(args, w);
  } catch (e) {
    if (e instanceof Exit) return e.code;
    throw e;
  }
  return assert.fail(`no exit for ${JSON.stringify(args)}`);
}

describe("IMAGE and COMMAND", () => {
  test("IMAGE is the first non-option, COMMAND the rest", () => {
    const o = parse(["-v", "img", "echo", "a", "-"]);
    assert.equal(o.image, "img");
    assert.deepEqual(o.command, ["echo", "a", "-"]);
  });

  test("options after IMAGE are options (permutation); after -- they are the command", () => {
    const o = parse(["img", "-w", "--", "ls", "-la"]);
    assert.equal(o.writable, true);
    assert.deepEqual(o.command, ["ls", "-la"]);
    assert.deepEqual(parse(["img", "--", "-v"]).command, ["-v"]);
    assert.equal(parse(["img", "--", "-v"]).verbosity, 0);
  });

  test("POSIXLY_CORRECT: the first non-option ends the options", () => {
    const w = world();
    w.env.POSIXLY_CORRECT = "1";
    const o = parse(["-t", "img", "-v", "x"], w);
    assert.equal(o.privateTmp, true);
    assert.equal(o.verbosity, 0);
    assert.deepEqual(o.command, ["-v", "x"]);
  });

  test("IMAGE without COMMAND parses (main() then fails)", () => {
    assert.deepEqual(parse(["img"]).command, []);
    assert.deepEqual(parse(["img", "--"]).command, []);
  });

  for (const args of [[], ["-v"], ["--"], ["-w", "--"]]) {
    test(`no IMAGE (${JSON.stringify(args)}): the help on stderr, exit 1`, () => {
      const w = world();
      assert.equal(exitOf(args, w), EXIT_FAILURE);
      assert.equal(w.stdout, "");
      assert.match(w.stderr, /^Usage: ch-run \[OPTION\.\.\.\] IMAGE -- COMMAND \[ARG\.\.\.\]\n/);
      assert.match(w.stderr, /-V, --version +print version and exit\n/);
    });
  }

  test("--help and --usage: stdout, exit 0; -V: the version on stderr, exit 0", () => {
    for (const args of [["--help"], ["-?"], ["--usage"]]) {
      const w = world();
      assert.equal(exitOf(args, w), 0);
      assert.match(w.stdout, /^Usage: ch-run /);
      assert.equal(w.stderr, "");
    }
    for (const args of [["-V"], ["--version"], ["--vers", "img", "true"]]) {
      const w = world();
      assert.equal(exitOf(args, w), 0);
      assert.equal(w.stderr, "9.9\n");
      assert.equal(w.stdout, "");
    }
  });

  test("usage errors: getopt's message with argv[0], argp's Try line with the short name, exit 64", () => {
    for (const [args, msg] of [
      [["--bogus"], "unrecognized option '--bogus'"],
      [["-x", "img"], "invalid option -- 'x'"],
      [["img", "ls", "-la"], "invalid option -- 'l'"],
      [["-b"], "option requires an argument -- 'b'"],
      [["--bind"], "option '--bind' requires an argument"],
      [["--no-passwd=1", "img"], "option '--no-passwd' doesn't allow an argument"],
      [["--set", "img"], "option '--set' is ambiguous; possibilities: '--set-env' '--set-env0'"],
      [["--test=log", "--bogus=x"].slice(1), "unrecognized option '--bogus=x'"],
    ] as const) {
      const w = world();
      assert.equal(exitOf([...args], w), 64, msg);
      assert.equal(w.stderr, `/usr/bin/ch-run: ${msg}\nTry \`ch-run --help' or \`ch-run --usage' for more information.\n`);
    }
  });

  test("options before a usage error have acted", () => {
    const w = world();
    assert.equal(exitOf(["--warnings=1", "--bogus"], w), 0);
    assert.equal(exitOf(["--test=log", "--bogus"], w), 0);
  });

  test("argp's hidden options: --program-name renames, --HANG sleeps (3600 s by default)", () => {
    const w = world();
    assert.equal(exitOf(["--program-name=/x/foo", "--bogus"], w), 64);
    assert.match(w.stderr, /\nTry `foo --help' or `foo --usage'/);
    parse(["--HANG=2", "--HANG", "--HANG=x", "--HANG=-5", "img", "true"], w);
    assert.deepEqual(w.slept, [2, 3600, 0, 0]);
  });
});

describe("integers", () => {
  const ok: Array<[string, number]> = [
    ["0", 0], ["42", 42], ["-1", -1], ["+7", 7], [" 5", 5], ["\t\n9", 9], ["007", 7],
    ["2147483647", 2147483647], ["-2147483648", -2147483648],
  ];
  for (const [s, n] of ok)
    test(`parse_int(${JSON.stringify(s)}) = ${n}`, () => assert.equal(parseInt10(s, false, "--x"), n));

  const bad: Array<[string, string]> = [
    ["", "no digits found"], ["x", "no digits found"], [" ", "no digits found"], ["-", "no digits found"],
    ["+", "no digits found"], ["x1", "no digits found"], ["2147483648", "out of range"],
    ["-2147483649", "out of range"], ["99999999999", "out of range"], ["99999999999999999999999", "out of range"],
    ["12x", "extra characters after digits"], ["1 2", "extra characters after digits"],
    ["5 ", "extra characters after digits"], ["1.5", "extra characters after digits"],
  ];
  for (const [s, msg] of bad)
    test(`parse_int(${JSON.stringify(s)}): ${msg}`, () => {
      try {
        parseInt10(s, false, "--x");
      } catch (e) {
        assert.ok(isFailure(e));
        assert.equal(e.message, `--x: ${msg}`);
        assert.ok(e.hint!.startsWith(`--x is '${s}'; `), e.hint);
        assert.equal(e.exitCode, EXIT_MISC_ERR);
        assert.equal(e.strerror, undefined);
        return;
      }
      assert.fail("no failure");
    });

  test("extra characters allowed where asked (Slurm's 2(x3))", () => {
    assert.equal(parseInt10("2(x3)", true, "SLURM_STEP_TASKS_PER_NODE"), 2);
  });
});

describe("options", () => {
  test("-u/-g: IDs, 0 or more, else ch-run's error, naming the option and the value", () => {
    const o = parse(["-u0", "--gid", "1234", "img", "x"]);
    assert.equal(o.uid, 0);
    assert.equal(o.gid, 1234);
    for (const [args, msg, value] of [
      [["--uid=-1"], "--uid: must be non-negative", "--uid is '-1'"],
      [["--uid=12x"], "--uid: extra characters after digits", "--uid is '12x'"],
      [["--uid=99999999999"], "--uid: out of range", "--uid is '99999999999'"],
      [["-u", ""], "--uid: no digits found", "--uid is ''"],
      [["-g", "-5"], "--gid: must be non-negative", "--gid is '-5'"],
      [["--gid=x"], "--gid: no digits found", "--gid is 'x'"],
      [["--warnings=3x"], "--warnings: extra characters after digits", "--warnings is '3x'"],
    ] as const) {
      const f = failure([...args, "img", "x"]);
      assert.equal(f.message, msg);
      assert.ok((f.hint ?? "").startsWith(value + "; "), f.hint);
    }
  });

  test("-v and -q: counted, at most thrice, not together", () => {
    assert.equal(parse(["-vvv", "img"]).verbosity, 3);
    assert.equal(parse(["-q", "-qq", "img"]).verbosity, -3);
    for (const [args, msg] of [
      [["-vvvv"], "--verbose can be specified at most thrice"], [["-qqqq"], "--quiet can be specified at most thrice"],
      [["-vq"], "--quiet incompatible with --verbose"], [["-qv"], "--verbose incompatible with --quiet"],
      [["--verbose", "--quiet"], "--quiet incompatible with --verbose"],
    ] as const)
      assert.equal(failure([...args, "img"]).message, msg);
  });

  test("-qqqq: the error is below the verbosity, so nothing is printed", () => {
    const w = world();
    failure(["-qqqq", "img"], w);
    assert.deepEqual(w.log, []);
  });

  test("-b: SRC[:DST] split at the first colon, DST defaults to SRC", () => {
    assert.deepEqual(parseBind("/a"), { src: "/a", dst: "/a" });
    assert.deepEqual(parseBind("/a:/b"), { src: "/a", dst: "/b" });
    assert.deepEqual(parseBind("rel:/b:c"), { src: "rel", dst: "/b:c" });
    assert.deepEqual(parse(["-b", "/a", "--bind=/c:/d", "img"]).binds, [{ src: "/a", dst: "/a" }, { src: "/c", dst: "/d" }]);
    for (const [arg, msg] of [
      ["", "--bind: no source provided"], [":/mnt", "--bind: no source provided"],
      ["/a:", "--bind: no destination provided"], ["/a:/", "--bind: destination can't be /"],
      ["/a:rel", "--bind: destination must be absolute: rel"], ["rel", "--bind: destination must be absolute: rel"],
    ])
      assert.equal(failure(["-b", arg, "img"]).message, msg);
  });

  test("-W: optional SIZE, default 12%, last one wins; --home implies it only if unset", () => {
    assert.equal(parse(["-W", "img"]).writeFake, "12%");
    assert.equal(parse(["-W4m", "img"]).writeFake, "4m");
    assert.equal(parse(["--write-fake=1g", "-W", "img"]).writeFake, "12%");
    assert.equal(parse(["-W", "4m"]).image, "4m"); // detached: SIZE is the IMAGE
    const w = world();
    assert.equal(parse(["-v", "--home", "img"], w).writeFake, "12%");
    assert.ok(w.log.includes("ch-run[7]: --home specified; also setting --write-fake\n"), w.log.join(""));
    assert.equal(parse(["-W1g", "--home", "img"]).writeFake, "1g");
    assert.equal(parse(["--home", "-W1g", "img"]).writeFake, "1g");
    assert.equal(parse(["--home", "img"]).hostHome, "/home/alice");
  });

  test("--home with $HOME unset", () => {
    const w = world();
    delete w.env.HOME;
    assert.equal(failure(["--home", "img"], w).message, "--home failed: $HOME not set");
  });

  test("-m: a mount point, not empty", () => {
    assert.equal(parse(["-m", "/mnt", "img"]).mount, "/mnt");
    assert.equal(failure(["-m", "", "img"]).message, "mount point can't be empty string");
  });

  test("-s: storage; default $CH_IMAGE_STORAGE else /var/tmp/$USER.ch; warns if missing", () => {
    assert.equal(parse(["img"]).storage, "/var/tmp/alice.ch");
    const w = world();
    w.env.CH_IMAGE_STORAGE = "/s";
    assert.equal(parse(["img"], w).storage, "/s");
    assert.deepEqual(w.log, []); // the default is not checked
    w.existing.push("/there");
    assert.equal(parse(["-s", "/nowhere", "-s", "/there", "img"], w).storage, "/there");
    assert.deepEqual(w.log, ["ch-run[7]: warning: storage directory not found: /nowhere\n"]);
  });

  test("joins: --join-ct and --join-tag imply --join, --join-pid doesn't; bad numbers are named", () => {
    // (their validation is src/cli/join.ts's)
    let f = failure(["--join-ct=2(x3)", "img"]);
    assert.equal(f.message, "--join-ct: extra characters after digits");
    assert.match(f.hint!, /^--join-ct is '2\(x3\)'/);
    f = failure(["--join-pid=p", "img"]);
    assert.equal(f.message, "--join-pid: no digits found");
    assert.match(f.hint!, /^--join-pid is 'p'/);
    assert.equal(parse(["img"]).join, false);
    assert.equal(parse(["-j", "img"]).join, true);
    let o = parse(["--join-ct=3", "img"]);
    assert.deepEqual([o.join, o.joinCt], [true, 3]);
    o = parse(["--join-tag", "t", "img"]);
    assert.deepEqual([o.join, o.joinTag], [true, "t"]);
    o = parse(["--join-pid=99", "img"]);
    assert.deepEqual([o.join, o.joinPid], [false, 99]);
  });

  test("flags: -t, -w, --no-passwd, --unsafe, --seccomp, --env-no-expand, --cd", () => {
    const o = parse(["-t", "-w", "--no-passwd", "--unsafe", "--seccomp", "--env-no-expand", "-c", "/d", "img"]);
    assert.deepEqual([o.privateTmp, o.writable, o.noPasswd, o.unsafe, o.seccomp, o.envNoExpand, o.cd],
                     [true, true, true, true, true, true, "/d"]);
    const d = parse(["img"]);
    assert.deepEqual([d.privateTmp, d.writable, d.noPasswd, d.unsafe, d.seccomp, d.envNoExpand, d.cd],
                     [false, false, false, false, false, false, undefined]);
  });

  test("--set-env, --set-env0, --unset-env: deltas in command-line order", () => {
    const w = world();
    w.files["/f"] = "A=1\n\nB='2'\n";
    w.files["/z"] = "C=x\ny\0";
    const o = parse(["--unset-env=X*", "--set-env", "--set-env=/f", "--set-env0=/z", "--set-env=D=$A:e",
                     "--set-env0", "--unset-env", "!(A)", "img"], w);
    assert.deepEqual(o.envDeltas, [
      { kind: "unset", glob: "X*" },
      { kind: "set-image-file", path: "/ch/environment", delimiter: "\n" },
      { kind: "set", source: "/f", vars: ["A=1", "B=2"] },
      { kind: "set", source: "/z", vars: ["C=x\ny"] },
      { kind: "set", source: "D=$A:e", vars: ["D=$A:e"] },
      { kind: "set-image-file", path: "/ch/environment", delimiter: "\0" },
      { kind: "unset", glob: "!(A)" },
    ]);
  });

  test("--set-env errors: a missing file, $PATH:x (a file name), bad lines name FILE:LINE", () => {
    const w = world();
    w.files["/bad1"] = "A=1\n\nno delimiter\n";
    w.files["/bad2"] = "=x\n";
    for (const [arg, msg, strerror] of [
      ["missing.txt", "can't open: missing.txt", "No such file or directory"],
      ["$PATH:x", "can't open: $PATH:x", "No such file or directory"],
      ["/bad1", "can't parse variable: no delimiter: /bad1:3", undefined],
      ["/bad2", "can't parse variable: empty name: /bad2:1", undefined],
      ["=bar", "can't parse variable: empty name: =bar", undefined],
    ]) {
      const f = failure([`--set-env=${arg}`, "img"], w);
      assert.equal(f.message, msg);
      assert.equal(f.strerror, strerror);
      assert.equal(f.exitCode, EXIT_MISC_ERR);
    }
    assert.equal(failure(["--unset-env=", "img"]).message, "--unset-env: GLOB must have non-zero length");
  });

  test("--feature: exits at once with this build's answer; unknown FEAT is an error", () => {
    assert.equal(exitOf(["--feature=extglob", "--bogus"]), 0);
    assert.equal(exitOf(["--feature", "squash"]), 0);
    assert.equal(exitOf(["--feature=seccomp"]), EXIT_MISC_ERR);
    assert.equal(exitOf(["--feature=overlayfs"]), 0);
    const f = failure(["--feature=bogus"]);
    assert.equal(f.message, "unknown feature: bogus");
    assert.equal(f.exitCode, EXIT_MISC_ERR);
  });

  test("--test: log, log-fail and log-fork run, anything else is an error", () => {
    for (const t of ["log", "log-fail", "log-fork"]) {
      const w = world();
      assert.equal(exitOf([`--test=${t}`, "-x"], w), 0);
      assert.deepEqual(w.tests, [t]);
    }
    assert.equal(failure(["--test=bogus"]).message, "invalid --test argument: bogus; see source code");
  });

  test("--warnings=N: N warnings, then exit 0", () => {
    const w = world();
    assert.equal(exitOf(["--warnings=2", "img", "x"], w), 0);
    assert.deepEqual(w.log, ["ch-run[7]: warning: this is warning 1!\n", "ch-run[7]: warning: this is warning 2!\n"]);
    assert.equal(exitOf(["--warnings=-3"]), 0);
  });

  test("--color[=WHEN]: the nvidia-cdi words; bare means always; anything else an error", () => {
    const w = world();
    for (const when of ["auto", "tty", "if-tty", "yes", "always", "force", "no", "never", "none"])
      parse([`--color=${when}`, "img"], w);
    parse(["--color", "img"], w);
    assert.deepEqual(w.color, ["auto", "auto", "auto", "always", "always", "always", "never", "never", "never", "always"]);
    assert.equal(failure(["--color=blue", "img"]).message, "--color: invalid arg: blue");
    assert.equal(parse(["--color", "never"]).image, "never"); // detached: WHEN is the IMAGE
  });

  test("--dry-run[=text|json]", () => {
    assert.equal(parse(["--dry-run", "img"]).dryRun, "text");
    assert.equal(parse(["--dry-run=json", "img"]).dryRun, "json");
    assert.equal(failure(["--dry-run=xml", "img"]).message, "--dry-run: invalid format: xml");
  });

  test("every failure gives a hint or is self-explanatory, and exit 31", () => {
    for (const args of [["-vq"], ["--uid=-1"], ["-m", ""], ["--feature=x"], ["--test=x"], ["--unset-env="],
                        ["--color=x"], ["-b", ":x"]]) {
      const f = failure([...args, "img"]);
      assert.equal(f.exitCode, EXIT_MISC_ERR);
    }
  });
});

describe("--feature answers", () => {
  const facts = (f: Partial<FeatureFacts>): FeatureFacts => ({ kernelRelease: "6.18.0", squash: true, seccomp: true, ...f });
  test("kernel versions", () => {
    assert.ok(kernelAtLeast("5.11.0-1-amd64", 5, 11));
    assert.ok(kernelAtLeast("6.1", 5, 11));
    assert.ok(!kernelAtLeast("5.10.200", 5, 11));
    assert.ok(!kernelAtLeast("4.19", 5, 11));
    assert.ok(!kernelAtLeast("garbage", 5, 11));
  });
  test("extglob always; seccomp and squash 31 when missing; overlayfs ≥ 5.11, tmpfs-xattrs ≥ 6.6 else 1", () => {
    assert.equal(featureStatus("extglob", facts({})), 0);
    assert.equal(featureStatus("seccomp", facts({ seccomp: false })), EXIT_MISC_ERR);
    assert.equal(featureStatus("seccomp", facts({})), 0);
    assert.equal(featureStatus("squash", facts({ squash: false })), EXIT_MISC_ERR);
    assert.equal(featureStatus("squash", facts({})), 0);
    assert.equal(featureStatus("overlayfs", facts({ kernelRelease: "5.10.1" })), EXIT_FAILURE);
    assert.equal(featureStatus("overlayfs", facts({ kernelRelease: "5.11.1" })), 0);
    assert.equal(featureStatus("tmpfs-xattrs", facts({ kernelRelease: "6.5.9" })), EXIT_FAILURE);
    assert.equal(featureStatus("tmpfs-xattrs", facts({ kernelRelease: "6.6.0" })), 0);
    assert.equal(featureStatus("Extglob", facts({})), undefined);
  });
});

describe("CDI options (-d, --device, --cdi-dirs)", () => {
  test("--device: a kind, KIND=all, or a spec file (/ or .); each with its place among the env deltas", () => {
    const o = parse(["--set-env=A=1", "--device=nvidia.com/gpu", "--device", "amd.com/gpu=all", "--unset-env=B",
                     "--device=./my.yaml", "-d", "--device=/etc/cdi/x.json", "img", "--", "true"]);
    assert.deepEqual(o.cdi, [
      { what: "kind", kind: "nvidia.com/gpu", envAt: 1 },
      { what: "kind", kind: "amd.com/gpu", envAt: 1 },
      { what: "file", path: "./my.yaml", envAt: 2 },
      { what: "all", envAt: 2 },
      { what: "file", path: "/etc/cdi/x.json", envAt: 2 },
    ]);
  });

  test("-d and --device imply -W (12%) unless a size was given; a later -W still sets it", () => {
    assert.equal(parse(["-d", "img", "--", "true"]).writeFake, "12%");
    assert.equal(parse(["--device=a.com/b", "img", "--", "true"]).writeFake, "12%");
    assert.equal(parse(["-W1g", "-d", "img", "--", "true"]).writeFake, "1g");
    assert.equal(parse(["-d", "-W2g", "img", "--", "true"]).writeFake, "2g");
    assert.equal(parse(["img", "--", "true"]).writeFake, undefined);
  });

  test("KIND=NAME: an error whose hint says /dev is bound whole and how to pick GPUs with Slurm", () => {
    const f = failure(["--device=nvidia.com/gpu=0", "img", "--", "true"]);
    assert.equal(f.message, "--device: can't inject a single device: nvidia.com/gpu=0");
    assert.match(f.hint as string, /\/dev whole/);
    assert.match(f.hint as string, /Slurm/);
    assert.equal(f.exitCode, 31);
  });

  test("empty DEV and bad kinds are errors naming the value", () => {
    assert.equal(failure(["--device=", "img", "--", "true"]).message, "--device: DEV must be non-empty");
    for (const bad of ["gpu", "nvidia.com/gpu/x", "-x.com/gpu", "nvidia.com/gpu-", "nvidia.com/"])
      assert.equal(failure(["--device=" + bad, "img", "--", "true"]).message, "--device: invalid kind: " + bad, bad);
  });

  test("--cdi-dirs: a colon list; default $CH_RUN_CDI_DIRS, else /etc/cdi:/var/run/cdi", () => {
    assert.deepEqual(parseCdiDirs(parse(["img", "--", "true"]).cdiDirs), ["/etc/cdi", "/var/run/cdi"]);
    const w = world();
    w.env.CH_RUN_CDI_DIRS = "/a::/b";
    assert.deepEqual(parseCdiDirs(parse(["img", "--", "true"], w).cdiDirs), ["/a", "/b"]);
    assert.deepEqual(parseCdiDirs(parse(["--cdi-dirs=/x:/y", "img", "--", "true"], w).cdiDirs), ["/x", "/y"]);
  });

  test("--feature=cdi exits 0", () => {
    assert.equal(exitOf(["--feature=cdi"]), 0);
  });
});
