// The command line through the real binary (doc/command-line.md §1): help, usage and
// version; usage errors named as glibc names them; permutation, "--" and
// attached optional arguments; POSIXLY_CORRECT and ARGP_HELP_FMT; the
// options that act while parsing (--feature, --test, --warnings); the
// --unsafe gates; and every option of HEAD's help accepted.

import { describe, test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH,
  As,
  BIN_DIR,
  CH_RUN_SKIFF,
  IMG,
  RunResult,
  SKIFF,
  cleanupScratch,
  describeResult,
  run,
  scratchDir,
  skiff,
  skiffChRun,
  testUser,
  userCopyOfImage,
  status,
} from "../lib/harness.js";

after(cleanupScratch);


const TRY = "Try `ch-run --help' or `ch-run --usage' for more information.\n";

describe("help, usage, version", () => {
  for (const as of AS_BOTH) {
    test(`--help and -?: the help on stdout, exit 0, as ${as}`, () => {
      for (const opt of ["--help", "-?", "--he"]) {
        const r = status(skiffChRun([opt], { as }), 0);
        assert.equal(r.stderr, "");
        assert.match(r.stdout, /^Usage: ch-run \[OPTION\.\.\.\] IMAGE -- COMMAND \[ARG\.\.\.\]\n\nRun a command in a Charliecloud container\.\n\n  -b, --bind=SRC\[:DST\] {5}mount SRC/);
        assert.match(r.stdout, /\n  -W, --write-fake\[=SIZE\]  overlay read-write tmpfs on top of image\n  -\?, --help {15}Give this help list\n/);
        assert.match(r.stdout, /\nYou cannot use this program to actually change your UID\.\n$/);
      }
    });

    test(`skiff run --help names itself skiff run, as ${as}`, () => {
      const r = status(skiff(["run", "--help"], { as }), 0);
      assert.match(r.stdout, /^Usage: skiff run \[OPTION\.\.\.\] IMAGE -- COMMAND/);
      assert.match(r.stdout, /\n {2}\$ skiff run \/data\/foo -- echo hello\n/);
    });

    test(`--usage: the short usage on stdout, exit 0, as ${as}`, () => {
      const r = status(skiffChRun(["--usage"], { as }), 0);
      assert.equal(r.stderr, "");
      assert.match(r.stdout, /^Usage: ch-run \[-djqtvw\?V\] \[-b SRC\[:DST\]\] \[-c DIR\]/);
      assert.match(r.stdout, / IMAGE -- COMMAND \[ARG\.\.\.\]\n$/);
      for (const line of r.stdout.split("\n")) assert.ok(line.length <= 79, line);
    });

    for (const args of [[], ["-v"], ["--"], ["-t", "--"]]) {
      test(`no IMAGE (${args.join(" ") || "no arguments"}): the help on stderr, exit 1, as ${as}`, () => {
        const r = status(skiffChRun(args, { as }), 1);
        assert.equal(r.stdout, "");
        assert.equal(r.stderr, status(skiffChRun(["--help"], { as }), 0).stdout);
      });
    }

    test(`-V, --version: the version on stderr, exit 0, later options unseen, as ${as}`, () => {
      for (const args of [["-V"], ["--version"], ["--version", "--bogus"], [IMG, "-V", "--", "false"]]) {
        const r = status(skiffChRun(args, { as }), 0);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^\d+\.\d+\.\d+\S*\n$/);
      }
    });

    test(`$USER unset: an error even for --version and --help, as ${as}`, () => {
      for (const args of [["--version"], ["--help"], [IMG, "--", "true"]]) {
        const r = status(skiffChRun(args, { as, env: { USER: undefined } }), 31);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^ch-run\[\d+\]: error: \$USER not set \(hint: [^)]+\)\n$/);
      }
    });
  }
});

describe("usage errors: getopt's words, argv[0] as typed, exit 64", () => {
  for (const as of AS_BOTH) {
    for (const [args, msg] of [
      [["--bogus"], "unrecognized option '--bogus'"],
      [["--bogus=x", IMG, "--", "true"], "unrecognized option '--bogus=x'"],
      [["-x", IMG, "--", "true"], "invalid option -- 'x'"],
      [[IMG, "ls", "-la"], "invalid option -- 'l'"],
      [[IMG, "-b"], "option requires an argument -- 'b'"],
      [["--uid"], "option '--uid' requires an argument"],
      [["--no-passwd=yes", IMG, "--", "true"], "option '--no-passwd' doesn't allow an argument"],
      [["--set", IMG, "--", "true"], "option '--set' is ambiguous; possibilities: '--set-env' '--set-env0'"],
      [["--join-t=x", "--j", IMG], "option '--j' is ambiguous; possibilities: '--join' '--join-pid' '--join-ct' '--join-tag'"],
      [["--seccomp", "--ch-ssh", IMG, "--", "true"], "unrecognized option '--ch-ssh'"],
      [["--no-home", IMG, "--", "true"], "unrecognized option '--no-home'"],
    ] as const) {
      test(`${args.join(" ")}: ${msg}, as ${as}`, () => {
        const r = status(skiffChRun([...args], { as }), 64);
        assert.equal(r.stdout, "");
        assert.equal(r.stderr, `${CH_RUN_SKIFF}: ${msg}\n${TRY}`);
      });
    }

    test(`argv[0] as typed (./ch-run), the short name in the Try line, as ${as}`, () => {
      const r = status(run(["./ch-run", "--bogus"], { as, cwd: BIN_DIR }), 64);
      assert.equal(r.stderr, `./ch-run: unrecognized option '--bogus'\n${TRY}`);
      const s = status(skiff(["run", "--bogus"], { as }), 64);
      assert.equal(s.stderr, `${SKIFF} run: unrecognized option '--bogus'\n`
                             + "Try `skiff run --help' or `skiff run --usage' for more information.\n");
    });

    test(`--program-name renames the program for messages, as ${as}`, () => {
      let r = status(skiffChRun(["--program-name=/x/runner", "--bogus"], { as }), 64);
      assert.equal(r.stderr, `${CH_RUN_SKIFF}: unrecognized option '--bogus'\n`
                             + "Try `runner --help' or `runner --usage' for more information.\n");
      r = status(skiffChRun(["--program-name", "runner", "--uid=x", IMG, "--", "true"], { as }), 31);
      assert.match(r.stderr, /^runner\[\d+\]: error: --uid: no digits found \(hint: --uid is 'x'; [^)]+\)\n$/);
    });
  }
});

describe("permutation, -- and optional arguments", () => {
  for (const as of AS_BOTH) {
    test(`options after IMAGE are options, as ${as}`, () => {
      const r = status(skiffChRun([IMG, "--cd=/etc", "-t", "--", "/bin/pwd"], { as }), 0);
      assert.equal(r.stdout, "/etc\n");
    });

    test(`-- first: IMAGE and COMMAND after it, options in COMMAND untouched, as ${as}`, () => {
      assert.equal(status(skiffChRun(["--", IMG, "echo", "-v"], { as }), 0).stdout, "-v\n");
      assert.equal(status(skiffChRun([IMG, "echo", "hello"], { as }), 0).stdout, "hello\n");
      assert.equal(status(skiffChRun([IMG, "echo", "--", "--", "x"], { as }), 0).stdout, "-- x\n");
    });

    test(`IMG -- -v runs "-v" as the command (49), as ${as}`, () => {
      const r = status(skiffChRun([IMG, "--", "-v"], { as }), 49);
      assert.match(r.stderr, /^ch-run\[\d+\]: error: can't execvpe\(3\): -v: No such file or directory/);
    });

    test(`an optional argument only when attached: -W 4m takes 4m as IMAGE, as ${as}`, () => {
      const r = status(skiffChRun(["-W", "4m", IMG, "--", "true"], { as }), 31);
      assert.match(r.stderr, /error: can't stat: 4m: No such file or directory/);
      assert.equal(status(skiffChRun(["-W4m", IMG, "--", "/bin/sh", "-c", "echo x > /f && cat /f"], { as }), 0).stdout,
                   "x\n");
    });

    test(`POSIXLY_CORRECT: options end at IMAGE, as ${as}`, () => {
      const r = status(skiffChRun([IMG, "-v"], { as, env: { POSIXLY_CORRECT: "1" } }), 49);
      assert.match(r.stderr, /can't execvpe\(3\): -v/);
      assert.ok(!/verbosity:/.test(r.stderr), r.stderr);
    });
  }
});

describe("ARGP_HELP_FMT", () => {
  test("the user's layout is used for --help; ch-run's default otherwise", () => {
    const r = status(skiffChRun(["--help"], { as: "user", env: { ARGP_HELP_FMT: "rmargin=50,opt-doc-col=30" } }), 0);
    const lines = r.stdout.split("\n");
    for (const line of lines) assert.ok(line.length <= 50, line);
    assert.ok(lines.includes("  -b, --bind=SRC[:DST]        mount SRC at guest"), r.stdout);
    assert.ok(lines.includes("                              DST (default: same"), r.stdout);
    // the user's setting replaces ch-run's, whose no-dup-args-note hides this
    assert.match(r.stdout, /\nMandatory or optional arguments to long options\nare also mandatory/);
  });

  test("a bad ARGP_HELP_FMT is reported, the help still printed", () => {
    const r = status(skiffChRun(["--usage"], { as: "user", env: { ARGP_HELP_FMT: "bogus,rmargin=10,opt-doc-col=20" } }), 0);
    assert.equal(r.stderr, "ch-run: bogus: Unknown ARGP_HELP_FMT parameter\n"
                           + "ch-run: ARGP_HELP_FMT: rmargin value is less than or equal to opt-doc-col\n");
    assert.match(r.stdout, /^Usage: ch-run \[-djqtvw\?V\]/);
  });

  test("skiff does not set it: the container never sees it unless the user set it", () => {
    assert.ok(!/ARGP_HELP_FMT/.test(status(skiffChRun([IMG, "--", "/bin/env"], { as: "user" }), 0).stdout));
    assert.match(status(skiffChRun([IMG, "--", "/bin/env"], { as: "user", env: { ARGP_HELP_FMT: "rmargin=60" } }), 0).stdout,
                 /^ARGP_HELP_FMT=rmargin=60$/m);
  });
});

describe("-v and -q", () => {
  for (const as of AS_BOTH) {
    for (const [args, msg] of [
      [["-vq"], "--quiet incompatible with --verbose"],
      [["-q", "-v"], "--verbose incompatible with --quiet"],
      [["-vvvv"], "--verbose can be specified at most thrice"],
      [["-v", "--verbose", "-vv"], "--verbose can be specified at most thrice"],
    ] as const) {
      test(`${args.join(" ")}: ${msg}, exit 31, as ${as}`, () => {
        const r = status(skiffChRun([...args, IMG, "--", "true"], { as }), 31);
        assert.match(r.stderr, new RegExp(`^ch-run\\[\\d+\\]: error: ${msg}( \\(hint: [^)]*\\))?\\n$`));
      });
    }

    test(`-qqqq: exit 31 and nothing printed (the error is below -qqqq), as ${as}`, () => {
      const r = status(skiffChRun(["-qqqq", IMG, "--", "true"], { as }), 31);
      assert.equal(r.stderr, "");
      assert.equal(r.stdout, "");
    });
  }
});

describe("options that act while parsing", () => {
  /** Can AS open /dev/fuse read-write? */
  function fuseOpen(as: As): boolean {
    const st = fs.statSync("/dev/fuse");
    return as === "root" || (st.mode & 0o006) === 0o006;
  }

  for (const as of AS_BOTH) {
    test(`--feature: this build's and kernel's answers, exit at once, as ${as}`, () => {
      const release = fs.readFileSync("/proc/sys/kernel/osrelease", "utf8");
      const [maj, min] = release.split(".").map(Number);
      const want: Record<string, number> = {
        cdi: 0, extglob: 0, seccomp: 0,
        squash: fuseOpen(as) && fs.existsSync("/usr/bin/squashfuse_ll") ? 0 : 31,
        overlayfs: maj > 5 || (maj === 5 && min >= 11) ? 0 : 1,
        "tmpfs-xattrs": maj > 6 || (maj === 6 && min >= 6) ? 0 : 1,
      };
      for (const [feat, code] of Object.entries(want)) {
        const r = status(skiffChRun([`--feature=${feat}`, "--bogus"], { as }), code);
        assert.equal(r.stdout + r.stderr, "");
      }
      const r = status(skiffChRun(["--feature", "bogus"], { as }), 31);
      assert.match(r.stderr, /^ch-run\[\d+\]: error: unknown feature: bogus \(hint: FEAT is one of: cdi, extglob, overlayfs, seccomp, squash, tmpfs-xattrs\)\n$/);
    });

    test(`--test=log: one message per level shown, the warning reprinted, exit 0, as ${as}`, () => {
      let r = status(skiffChRun(["--test=log", IMG], { as }), 0);
      const pid = /^ch-run\[(\d+)\]/.exec(r.stderr)![1];
      const p = `ch-run[${pid}]: `;
      assert.equal(r.stderr, `${p}info\n${p}warning: warning\n${p}warning: reprinting first 1 warning(s)\n${p}warning: warning\n`);
      r = status(skiffChRun(["-vvv", "--test", "log"], { as }), 0);
      assert.match(r.stderr, /^ch-run\[\d+\]: trace\nch-run\[\d+\]: debug\nch-run\[\d+\]: verbose\nch-run\[\d+\]: info\n/);
      r = status(skiffChRun(["-qq", "--test=log"], { as }), 0);
      assert.equal(r.stderr, "");
    });

    test(`--test=log-fail: the messages, then the error, then the reprint, exit 31, as ${as}`, () => {
      const r = status(skiffChRun(["--test=log-fail"], { as }), 31);
      const lines = r.stderr.replace(/\[\d+\]/g, "[N]").split("\n");
      assert.deepEqual(lines, ["ch-run[N]: info", "ch-run[N]: warning: warning",
                               'ch-run[N]: error: the program failed inexplicably ("log-fail" specified)',
                               "ch-run[N]: warning: reprinting first 1 warning(s)", "ch-run[N]: warning: warning", ""]);
    });

    test(`--test=log-fork: a forked child's warning is reprinted by the parent at exit, as ${as}`, () => {
      const r = status(skiffChRun(["--test=log-fork"], { as }), 0);
      const lines = r.stderr.split("\n");
      const child = /^ch-run\[(\d+)\]: info$/.exec(lines[0])![1];
      const parent = /^ch-run\[(\d+)\]: warning: reprinting first 1 warning\(s\)$/.exec(lines[2])![1];
      assert.notEqual(child, parent);
      assert.deepEqual(lines, [`ch-run[${child}]: info`, `ch-run[${child}]: warning: warning`,
                               `ch-run[${parent}]: warning: reprinting first 1 warning(s)`,
                               `ch-run[${child}]: warning: warning`, ""]);
    });

    test(`--test=bogus: an error naming it, exit 31, as ${as}`, () => {
      const r = status(skiffChRun(["--test=bogus"], { as }), 31);
      assert.match(r.stderr, /^ch-run\[\d+\]: error: invalid --test argument: bogus; see source code/);
    });

    test(`--warnings=N: N warnings, reprinted at exit, exit 0, as ${as}`, () => {
      const r = status(skiffChRun(["--warnings=2", IMG, "--", "true"], { as }), 0);
      const p = `ch-run[${/^ch-run\[(\d+)\]/.exec(r.stderr)![1]}]: warning: `;
      assert.equal(r.stderr, `${p}this is warning 1!\n${p}this is warning 2!\n${p}reprinting first 2 warning(s)\n`
                             + `${p}this is warning 1!\n${p}this is warning 2!\n`);
      assert.equal(status(skiffChRun(["--warnings=0"], { as }), 0).stderr, "");
      assert.match(status(skiffChRun(["--warnings=x"], { as }), 31).stderr, /error: --warnings: no digits found/);
    });

    test(`warnings are reprinted when skiff fails, not when the command runs, as ${as}`, () => {
      let r = status(skiffChRun(["-s", "/no/storage", "/no/image", "--", "true"], { as }), 31);
      assert.match(r.stderr, /^ch-run\[\d+\]: warning: storage directory not found: \/no\/storage\nch-run\[\d+\]: error: can't stat: \/no\/image: No such file or directory \(hint: .*\)\nch-run\[\d+\]: warning: reprinting first 1 warning\(s\)\nch-run\[\d+\]: warning: storage directory not found: \/no\/storage\n$/);
      r = status(skiffChRun(["-s", "/no/storage", IMG, "--", "true"], { as }), 0);
      assert.match(r.stderr, /^ch-run\[\d+\]: warning: storage directory not found: \/no\/storage\n$/);
    });

    test(`--HANG=0 (argp's hidden option) is accepted, as ${as}`, () => {
      assert.equal(status(skiffChRun(["--HANG=0", IMG, "--", "echo", "ok"], { as }), 0).stdout, "ok\n");
    });
  }
});

describe("--unsafe gates", () => {
  for (const as of AS_BOTH) {
    test(`-w by name and a directory image inside storage need --unsafe, as ${as}`, () => {
      const storage = scratchDir(as, "storage");
      fs.mkdirSync(`${storage}/img`);
      const img = userCopyOfImage(as);
      fs.renameSync(img, `${storage}/img/foo%bar`);
      if (as === "user") fs.chownSync(`${storage}/img`, testUser().uid, testUser().gid);
      const byName = ["-s", storage, "foo/bar", "--", "/bin/sh", "-c", "touch /written && echo ok"];
      assert.match(status(skiffChRun(["-w", ...byName], { as }), 31).stderr,
                   /error: --write invalid when running by name/);
      assert.equal(status(skiffChRun(["-w", "--unsafe", ...byName], { as }), 0).stdout, "ok\n");
      assert.match(status(skiffChRun(byName, { as }), 1).stderr, /touch: \/written: Read-only file system/);
      const byPath = ["-s", storage, `${storage}/img/foo%bar`, "--", "echo", "ok"];
      assert.match(status(skiffChRun(byPath, { as }), 31).stderr,
                   /error: can't run directory images from storage/);
      assert.equal(status(skiffChRun(["--unsafe", ...byPath], { as }), 0).stdout, "ok\n");
    });
  }
});

describe("every option of HEAD's help is accepted", () => {
  for (const as of AS_BOTH) {
    test(`each option, alone, runs a container, as ${as}`, () => {
      const dir = scratchDir(as, "opts");
      const writable = userCopyOfImage(as);
      const uid = as === "root" ? 0 : testUser().uid;
      const cases: Array<[string[], Record<string, string>?]> = [
        [["-b", `${dir}:/mnt/0`]], [["--bind", dir, "-W"]], [["-c", "/etc"]], [["--cd=/tmp"]], [["--env-no-expand"]],
        [["-g", "0"]], [["--gid=1234"]], [["--home"], { HOME: dir }], [["-j"], { OMPI_COMM_WORLD_LOCAL_SIZE: "1" }],
        [["--join"], { SLURM_CPUS_ON_NODE: "1", SLURM_STEP_ID: "9" }], [["--join-ct=1"]], [["--join-tag=t", "--join-ct", "1"]],
        [["-m", dir]], [["--mount", dir]], [["--no-passwd"]], [["-q"]], [["--quiet"]], [["--seccomp"]],
        [["--set-env"]], [["--set-env=X=1"]], [["--set-env0"]], [["--set-env0=X=1"]], [["-s", dir]], [["--storage", dir]],
        [["-t"]], [["--private-tmp"]], [["--unsafe"]], [["--unset-env", "X"]], [["-u", String(uid)]], [["--uid=0"]],
        [["-v"]], [["--verbose"]], [["-W"]], [["--write-fake=1m"]], [["--color=never"]], [["--dry-run"]],
      ];
      for (const [opts, env] of cases) {
        const r = skiffChRun([...opts, IMG, "--", "/bin/true"], { as, env });
        assert.equal(r.status, 0, `${opts.join(" ")}: ${describeResult(r)}`);
      }
      for (const opt of [["-w"], ["--write"]])
        assert.equal(skiffChRun([...opt, writable, "--", "/bin/true"], { as }).status, 0, opt[0]);
    });
  }
});
