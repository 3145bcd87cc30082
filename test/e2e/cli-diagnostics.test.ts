// Diagnostics through the real binary (doc/diagnostics.md §6): PROG[PID]: lines
// with PROG the name skiff was invoked by, exit statuses, what -v logs
// (ch-run's dump and `executing:` line), --color, the syslog audit line,
// and the list of bad inputs: each one clear error line, the right
// status, nothing left behind.

import { describe, test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH,
  As,
  CH_RUN_SKIFF,
  IMG,
  RunResult,
  SKIFF,
  TEST_ROOT,
  cleanupScratch,
  describeResult,
  mountsUnder,
  run,
  scratchDir,
  skiff,
  skiffChRun,
  testUser,
  status,
} from "../lib/harness.js";

after(cleanupScratch);


describe("PROG[PID]: the name skiff was invoked by", () => {
  for (const as of AS_BOTH) {
    test(`skiff, ch-run, or any other name (a symlink), as ${as}`, () => {
      const dir = scratchDir(as, "names");
      fs.symlinkSync(SKIFF, `${dir}/my-runner`);
      for (const [argv, prog] of [
        [[SKIFF, "run"], "skiff"], [[CH_RUN_SKIFF], "ch-run"], [[`${dir}/my-runner`], "my-runner"],
      ] as const) {
        const r = status(run([...argv, "--uid=x", IMG, "--", "true"], { as }), 31);
        assert.match(r.stderr, new RegExp(`^${prog}\\[(\\d+)\\]: error: --uid: no digits found \\(hint: --uid is 'x'[^)]*\\)\\n$`));
      }
    });

    test(`PID is skiff's own, which the command then has, as ${as}`, () => {
      const r = status(skiffChRun(["-v", IMG, "--", "/bin/sh", "-c", "echo $$"], { as }), 0);
      const pids = new Set([...r.stderr.matchAll(/^ch-run\[(\d+)\]: /gm)].map((m) => m[1]));
      assert.deepEqual([...pids], [r.stdout.trim()]);
    });

    test(`MESSAGE: STRERROR (hint: ...) for a system error, as ${as}`, () => {
      const r = status(skiffChRun(["--cd=/no/such", IMG, "--", "true"], { as }), 31);
      assert.match(r.stderr, /^ch-run\[\d+\]: error: can't cd to \/no\/such: No such file or directory \(hint: .+\)\n$/);
    });
  }
});

describe("exit statuses", () => {
  for (const as of AS_BOTH) {
    test(`31 for skiff's failures, 49 when the command can't be run, else the command's, as ${as}`, () => {
      status(skiffChRun(["/no/such/image", "--", "true"], { as }), 31);
      status(skiffChRun([IMG, "--", "/no/such/command"], { as }), 49);
      status(skiffChRun([IMG, "--", "/etc"], { as }), 49);
      for (const code of [0, 1, 7, 31, 49, 64, 255])
        status(skiffChRun([IMG, "--", "/bin/sh", "-c", `exit ${code}`], { as }), code);
    });
  }
});

/** Log lines of ch-run (either), without PROG[PID]: and ch-run's (FILE:LINE). */
function logLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => /^ch-run\[\d+\]: /.test(l))
    .map((l) => l.replace(/^ch-run\[\d+\]: /, "").replace(/ \([\w-]+\.c:\d+( \d+)?\)$/, ""));
}

describe("-v", () => {
  for (const as of AS_BOTH) {
    test(`the dump, in ch-run's order, as ${as}`, () => {
      const u = as === "root" ? { uid: 0, gid: 0, name: "root" } : { ...testUser() };
      const r = status(skiffChRun(["-v", "-t", "--unsafe", "-s", "/tmp", IMG, "--", "true"], { as }), 0);
      const dump = logLines(r.stderr).slice(0, 10);
      assert.deepEqual(dump, [
        "verbosity: 1", `image: ${IMG}`, "storage: /tmp", `newroot: ${IMG}`, `container uid: ${u.uid}`,
        `container gid: ${u.gid}`, "join: 0 0 (null) 0", "private /tmp: 1", "seccomp: 0", "unsafe: 1",
      ]);
    });

    test(`the dump and executing: as Debian's ch-run prints them (its lines, in its order), as ${as}`, () => {
      const args = ["-v", "-u0", "-g0", IMG, "--", "/bin/echo", "", "a b", "x=y", "$HOME", "it's", "é", "!"];
      const theirs = status(run(["/usr/bin/ch-run", ...args], { as }), 0);
      const ours = status(skiffChRun(args, { as }), 0);
      assert.equal(ours.stdout, theirs.stdout);
      const mine = logLines(ours.stderr);
      const oracle = logLines(theirs.stderr).filter((l) => /^(verbosity|image|storage|newroot|container|join|private|executing)/.test(l));
      // 0.31 prints no seccomp/unsafe lines; skiff prints HEAD's
      assert.deepEqual(mine.filter((l) => !/^(seccomp|unsafe): /.test(l) && oracle.some((o) => o.split(":")[0] === l.split(":")[0])),
                       oracle);
      assert.equal(mine[mine.length - 1], 'executing: /bin/echo  "a b" "x=y" "\\$HOME" "it\'s" "é" "\\!"');
    });

    test(`-vv adds debug lines, -vvv trace lines; -v has neither, as ${as}`, () => {
      const count = (v: string) => logLines(status(skiffChRun([v, IMG, "--", "true"], { as }), 0).stderr).length;
      const [one, two, three] = [count("-v"), count("-vv"), count("-vvv")];
      assert.ok(one < two && two <= three, `${one} ${two} ${three}`);
    });
  }
});

describe("--color", () => {
  test("always: ANSI colours per level; never and not-a-terminal: none", () => {
    const on = status(skiffChRun(["--color=always", "--warnings=1"], { as: "user" }), 0);
    assert.match(on.stderr, /^\x1b\[33mch-run\[\d+\]: warning: this is warning 1!\x1b\[0m\n/);
    const err = status(skiffChRun(["--color", "--uid=x"], { as: "user" }), 31);
    assert.match(err.stderr, /^\x1b\[31;1mch-run\[\d+\]: error: --uid: no digits found \(hint: --uid is 'x'[^)]*\)\x1b\[0m\n$/);
    for (const args of [["--color=never", "--warnings=1"], ["--warnings=1"], ["--color=auto", "--warnings=1"]])
      assert.ok(!/\x1b/.test(status(skiffChRun(args, { as: "user" }), 0).stderr));
    const bad = status(skiffChRun(["--color=blue"], { as: "user" }), 31);
    assert.match(bad.stderr, /error: --color: invalid arg: blue/);
  });

  test("auto (the default): colour when stderr is a terminal", () => {
    // script(1) gives the command a terminal
    const r = status(run(["script", "-qec", `${CH_RUN_SKIFF} --warnings=1`, "/dev/null"], { as: "user" }), 0);
    assert.match(r.stdout, /\x1b\[33mch-run\[\d+\]: warning: this is warning 1!\x1b\[0m/);
  });
});

describe("syslog", () => {
  /** Run argv as AS in a mount namespace whose /dev/log is a datagram
      socket we listen on; return what arrived. */
  function syslogOf(as: As, argv: string[]): string {
    const dir = scratchDir("root", "syslog");
    const listener = `
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
open(sys.argv[1] + "/ready", "w").close()
s.settimeout(10)
with open(sys.argv[1] + "/got", "wb") as f:
    f.write(s.recv(65536))
`;
    fs.writeFileSync(`${dir}/listen.py`, listener);
    const become = as === "user" ? `setpriv --reuid=${testUser().uid} --regid=${testUser().gid} --clear-groups` : "";
    const quoted = argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    // A fresh /dev with only null in it (sh needs it) and our /dev/log.
    const script = `set -e
mkdir ${dir}/dev
mount --bind /dev ${dir}/dev
mount -t tmpfs tmpfs /dev
touch /dev/null
mount --bind ${dir}/dev/null /dev/null
umount ${dir}/dev
/usr/bin/python3 ${dir}/listen.py ${dir} &
while [ ! -e ${dir}/ready ]; do sleep 0.01; done
${become} ${quoted} || true
wait`;
    const r = run(["unshare", "-m", "--propagation", "private", "--", "sh", "-c", script], { as: "root" });
    assert.equal(r.status, 0, describeResult(r));
    return fs.readFileSync(`${dir}/got`, "latin1");
  }

  for (const as of AS_BOTH) {
    test(`every invocation logs uid=N args=N: ARGV, as Debian's ch-run does, as ${as}`, () => {
      const uid = as === "root" ? 0 : testUser().uid;
      const args = ["--version", IMG, "--", "echo", "b a}$r"];
      const ours = syslogOf(as, [CH_RUN_SKIFF, ...args]);
      assert.match(ours, new RegExp(`^<14>\\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d ch-run: uid=${uid} args=6: `
                                    + `${CH_RUN_SKIFF} --version ${IMG} -- echo "b a}\\\\\\$r"$`));
      const theirs = syslogOf(as, ["/usr/bin/ch-run", ...args]);
      const tail = (s: string) => s.replace(/^.*?: uid=/, "uid=").replace(/ \S+ch-run /, " CH-RUN ");
      assert.equal(tail(ours), tail(theirs));
    });
  }
});

//// Bad input //////////////////////////////////////////////////////////////

/** Host mounts where a leaking skiff would leave them. */
function suspectMounts(): string[] {
  return [...mountsUnder(TEST_ROOT), ...mountsUnder("/tmp"), ...mountsUnder("/srv")].map((m) => m.mountPoint).sort();
}

describe("bad input: one clear error line, the right status, nothing left behind", () => {
  for (const as of AS_BOTH) {
    test(`the issue's list, as ${as}`, () => {
      const dir = scratchDir(as, "bad");
      fs.writeFileSync(`${dir}/no-eq`, "A=1\nB\n");
      fs.writeFileSync(`${dir}/no-name`, "=1\n");
      const tmpdir = scratchDir(as, "tmpdir");
      const cases: Array<[string[], number, RegExp, Record<string, string | undefined>?]> = [
        [["--bogus", IMG, "--", "true"], 64, /^\S+ch-run: unrecognized option '--bogus'\nTry `ch-run --help' or `ch-run --usage' for more information\.\n$/],
        [[IMG, "-b"], 64, /^\S+ch-run: option requires an argument -- 'b'\nTry /],
        [["--cd"], 64, /^\S+ch-run: option '--cd' requires an argument\nTry /],
        [["-vq", IMG, "--", "true"], 31, /^ch-run\[\d+\]: error: --quiet incompatible with --verbose/],
        [["-vvvv", IMG, "--", "true"], 31, /^ch-run\[\d+\]: error: --verbose can be specified at most thrice/],
        [["--uid=-1", IMG, "--", "true"], 31, /^ch-run\[\d+\]: error: --uid: must be non-negative \(hint: --uid is '-1'/],
        [["--uid=12x", IMG, "--", "true"], 31, /^ch-run\[\d+\]: error: --uid: extra characters after digits \(hint: --uid is '12x'/],
        [["--uid=99999999999", IMG, "--", "true"], 31, /^ch-run\[\d+\]: error: --uid: out of range \(hint: --uid is '99999999999'/],
        [["--set-env=missing.txt", IMG, "--", "true"], 31, /^ch-run\[\d+\]: error: can't open: missing\.txt: No such file or directory/],
        [[`--set-env=${dir}/no-eq`, IMG, "--", "true"], 31, new RegExp(`^ch-run\\[\\d+\\]: error: can't parse variable: no delimiter: ${dir}/no-eq:2`)],
        [[`--set-env=${dir}/no-name`, IMG, "--", "true"], 31, new RegExp(`^ch-run\\[\\d+\\]: error: can't parse variable: empty name: ${dir}/no-name:1`)],
        [["--set-env=$PATH:x", IMG, "--", "true"], 31, /^ch-run\[\d+\]: error: can't open: \$PATH:x: No such file or directory/],
        [["--unset-env=", IMG, "--", "true"], 31, /^ch-run\[\d+\]: error: --unset-env: GLOB must have non-zero length/],
        [["--feature=bogus"], 31, /^ch-run\[\d+\]: error: unknown feature: bogus/],
        [["--test=bogus"], 31, /^ch-run\[\d+\]: error: invalid --test argument: bogus/],
        [[IMG, "--", "true"], 31, /^ch-run\[\d+\]: error: \$USER not set/, { USER: undefined }],
      ];
      for (const [args, code, message, env] of cases) {
        const before = suspectMounts();
        const r = skiffChRun(args, { as, cwd: dir, env: { TMPDIR: tmpdir, ...env } });
        assert.equal(r.status, code, `${args.join(" ")}: ${describeResult(r)}`);
        assert.equal(r.stdout, "", args.join(" "));
        assert.match(r.stderr, message, args.join(" "));
        if (code === 31) assert.equal(r.stderr.split("\n").length, 2, `one line: ${r.stderr}`);
        assert.deepEqual(fs.readdirSync(tmpdir), [], `${args.join(" ")}: left temporaries`);
        assert.deepEqual(suspectMounts(), before, `${args.join(" ")}: left mounts`);
      }
    });
  }
});
