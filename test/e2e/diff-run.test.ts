// The differential suite: a matrix of invocations (options × images ×
// environments), each run through Debian's ch-run 0.31 and through skiff
// (by its ch-run name), as the unprivileged user and as root. Compared:
// exit status, stdout, the log lines ch-run's users rely on, and what the
// container sees (identity, working directory, mounts, passwd and group,
// the exact environment the command was started with). Only the
// differences listed in ./differences.ts are normalised; each is applied
// by name, and the cases that show one check that it is still there.

import { describe, test, after, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH,
  As,
  CH_RUN_SKIFF,
  IMG,
  NOTSQUASH,
  ORACLE,
  RunOpts,
  RunResult,
  SQFS,
  cleanupScratch,
  defaultEnv,
  describeResult,
  run,
  scratchDir,
  testUser,
  userCopyOfImage,
} from "../lib/harness.js";
import {
  DIFFERENCES,
  DifferenceId,
  comparableLogLines,
  expectedEnvironment,
  expectedStatus,
  sameMessage,
  passwdFileType,
  squashType,
  withoutUsageLine,
} from "./differences.js";

after(cleanupScratch);

/** What the container reports about itself. The environment is read from
    /proc/$$/environ first: what the shell was started with, before it adds
    PWD, SHLVL and the like (busybox's applets may rewrite it later). */
const REPORT = `cat /proc/$$/environ
echo; echo "@@"
echo "id: $(id)"
echo "cwd: $(pwd -P)"
awk '{ print "mount: " $2 " " $3 }' /proc/self/mounts
sed 's/^/passwd: /' /etc/passwd
sed 's/^/group: /' /etc/group`;

interface Report {
  lines: string[];
  env: Record<string, string>;
}

function parseReport(stdout: string): Report {
  const at = stdout.indexOf("\n@@\n");
  assert.ok(at >= 0, `no report in: ${stdout}`);
  const env: Record<string, string> = {};
  for (const entry of stdout.slice(0, at).split("\0")) {
    if (entry === "") continue;
    const eq = entry.indexOf("=");
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return { lines: stdout.slice(at + 4).split("\n").filter((l) => l !== ""), env };
}

/** Paths and files a case may use, per user. */
interface World {
  as: As;
  /** Writable copy of the image, owned by the user. */
  writable: string;
  /** Storage directory holding that image as foo/bar. */
  storage: string;
  /** Bind source: a directory with a file "marker". */
  src: string;
  /** Host environment file. */
  envFile: string;
  /** Empty directory, the working directory. */
  empty: string;
  /** SquashFS mount point. */
  mnt: string;
  tmpdir: string;
}

const worlds: Partial<Record<As, World>> = {};

function world(as: As): World {
  if (worlds[as]) return worlds[as]!;
  const storage = scratchDir(as, "storage");
  fs.mkdirSync(`${storage}/img`);
  const writable = userCopyOfImage(as);
  fs.cpSync(IMG, `${storage}/img/foo%bar`, { recursive: true, verbatimSymlinks: true });
  const src = scratchDir(as, "src");
  fs.writeFileSync(`${src}/marker`, "marker\n");
  const envDir = scratchDir(as, "envfile");
  fs.writeFileSync(`${envDir}/vars`, "FROM_FILE=1\n\nQUOTED='a b'\nEXPANDED=$FOO:x\n");
  const w: World = { as, writable, storage, src, envFile: `${envDir}/vars`, empty: scratchDir(as, "empty"),
                     mnt: scratchDir(as, "mnt"), tmpdir: scratchDir(as, "tmpdir") };
  if (as === "user") {
    const u = testUser();
    for (const p of [`${storage}/img`, `${src}/marker`, `${envDir}/vars`]) fs.chownSync(p, u.uid, u.gid);
  }
  return (worlds[as] = w);
}

/** A case: the arguments (IMAGE and command included) and what it shows. */
interface Case {
  name: string;
  args: (w: World) => string[];
  /** The command is the report (else its stdout is compared as is). */
  report?: boolean;
  /** Documented differences this case shows beyond the general ones. */
  shows?: DifferenceId[];
  /** Runs in every environment of ENVIRONMENTS (else the plain one). */
  allEnvironments?: boolean;
  /** Its --unset-env removes HOME, whatever set it. */
  unsetsHome?: boolean;
}

const R = ["--", "/bin/sh", "-c", REPORT];

/** Invocations both accept and run. */
const RUNS: Case[] = [
  { name: "no options", args: () => [IMG, ...R], report: true, allEnvironments: true },
  { name: "-t", args: () => ["-t", IMG, ...R], report: true, allEnvironments: true },
  { name: "--private-tmp -c /tmp", args: () => ["--private-tmp", "-c", "/tmp", IMG, ...R], report: true },
  { name: "-b SRC:/mnt/0 -b SRC:/mnt/1", args: (w) => ["-b", `${w.src}:/mnt/0`, "-b", `${w.src}:/mnt/1`, IMG, ...R], report: true },
  { name: "--bind=SRC (DST = SRC, created in a writable image)", args: (w) => [`--bind=${w.src}`, "-w", w.writable, ...R], report: true },
  { name: "--cd /etc", args: () => ["--cd", "/etc", IMG, ...R], report: true, allEnvironments: true },
  { name: "-c relative", args: () => ["-c", "etc", IMG, ...R], report: true },
  { name: "-u0 -g0", args: () => ["-u0", "-g0", IMG, ...R], report: true },
  { name: "--uid=1234 --gid 4321", args: () => ["--uid=1234", "--gid", "4321", IMG, ...R], report: true },
  { name: "--no-passwd", args: () => ["--no-passwd", IMG, ...R], report: true },
  { name: "--set-env (the image's)", args: () => ["--set-env", IMG, ...R], report: true, allEnvironments: true },
  { name: "--set-env=NAME=VALUE with $VAR items", args: () => ["--set-env=P=/opt:$PATH:$NOPE", "--set-env=Q='q'", IMG, ...R], report: true },
  { name: "--set-env=FILE", args: (w) => [`--set-env=${w.envFile}`, IMG, ...R], report: true, allEnvironments: true },
  { name: "--env-no-expand after --set-env", args: (w) => [`--set-env=${w.envFile}`, "--env-no-expand", IMG, ...R], report: true },
  { name: "--unset-env=FOO* then set", args: () => ["--unset-env=FOO*", "--set-env=FOO2=x", IMG, ...R], report: true, allEnvironments: true },
  { name: "--unset-env='*'", args: () => ["--unset-env=*", IMG, ...R], report: true, allEnvironments: true, unsetsHome: true },
  { name: "--unset-env='*' --set-env", args: () => ["--unset-env=*", "--set-env", IMG, ...R], report: true, unsetsHome: true },
  { name: "--unset-env with extglob", args: () => ["--unset-env=!(PATH|USER)", IMG, ...R], report: true, allEnvironments: true,
    unsetsHome: true },
  { name: "-w on a writable copy", args: (w) => ["-w", w.writable, "--", "/bin/sh", "-c", "echo x > /w && cat /w && rm /w"] },
  { name: "by name from storage", args: (w) => ["-s", w.storage, "foo/bar", ...R], report: true },
  { name: "by name, storage from $CH_IMAGE_STORAGE", args: () => ["foo/bar", ...R], report: true },
  { name: "SquashFS with -m", args: (w) => ["-m", w.mnt, SQFS, ...R], report: true, shows: ["squashFuseType"] },
  { name: "--join-ct=1 --join-tag", args: () => ["--join-ct=1", "--join-tag=diff", IMG, ...R], report: true },
  { name: "--home", args: () => ["--home", IMG, ...R], report: true, shows: ["homeMount"] },
  { name: "options after IMAGE", args: () => [IMG, "-t", "--cd=/etc", ...R], report: true },
  { name: "-- first", args: () => ["--", IMG, "echo", "-v", "--"] },
  { name: "a command without --", args: () => [IMG, "echo", "hello"] },
  { name: "the command's exit status", args: () => [IMG, "--", "/bin/sh", "-c", "echo out; echo err >&2; exit 7"] },
  { name: "-v: the dump and executing:", args: () => ["-v", IMG, "--", "/bin/echo", "", "a b", "$x", "é"], shows: ["dumpLines", "verboseDetail"] },
  { name: "-vvv", args: () => ["-vvv", "-t", "-u0", IMG, "--", "/bin/true"], shows: ["dumpLines", "verboseDetail"] },
  { name: "-m with a directory image: a warning", args: (w) => ["-m", w.empty, IMG, "--", "/bin/true"] },
  { name: "-s missing: a warning", args: () => ["-s", "/no/storage", IMG, "--", "/bin/true"] },
  { name: "--feature=extglob", args: () => ["--feature=extglob"] },
  { name: "-V", args: () => ["-V", IMG, "--", "false"], shows: ["version"] },
];

/** Invocations that fail, in both. */
const FAILURES: Case[] = [
  { name: "unknown option", args: () => ["--bogus", IMG, "--", "true"] },
  { name: "unknown short option", args: () => ["-x", IMG, "--", "true"] },
  { name: "options eaten from the command", args: () => [IMG, "ls", "-la"] },
  { name: "missing option argument", args: () => [IMG, "-b"] },
  { name: "missing long option argument", args: () => ["--cd"] },
  { name: "argument to a flag", args: () => ["--no-passwd=1", IMG, "--", "true"] },
  { name: "ambiguous abbreviation", args: () => ["--j", IMG, "--", "true"] },
  { name: "no arguments: help on stderr", args: () => [], shows: ["helpText"] },
  { name: "IMAGE only", args: () => [IMG], shows: ["usageLine", "messageWording"] },
  { name: "IMAGE --", args: () => [IMG, "--"], shows: ["usageLine", "messageWording"] },
  { name: "missing image", args: () => ["/no/such/image", "--", "true"] },
  { name: "not an image", args: () => [NOTSQUASH, "--", "true"] },
  { name: "missing command", args: () => [IMG, "--", "/no/such/command"], shows: ["messageWording"] },
  { name: "command is a directory", args: () => [IMG, "--", "/etc"], shows: ["messageWording"] },
  { name: "-- -v: -v is the command", args: () => [IMG, "--", "-v"], shows: ["messageWording"] },
  { name: "--cd missing", args: () => ["--cd", "/no/such", IMG, "--", "true"] },
  { name: "--uid=-1", args: () => ["--uid=-1", IMG, "--", "true"] },
  { name: "--uid=12x", args: () => ["--uid=12x", IMG, "--", "true"] },
  { name: "--uid=99999999999", args: () => ["--uid=99999999999", IMG, "--", "true"] },
  { name: "--gid=", args: () => ["--gid=", IMG, "--", "true"] },
  { name: "-vvvv", args: () => ["-vvvv", IMG, "--", "true"] },
  { name: "--set-env=missing.txt", args: () => ["--set-env=missing.txt", IMG, "--", "true"], shows: ["messageWording"] },
  { name: "--set-env='$PATH:x' is a file name", args: () => ["--set-env=$PATH:x", IMG, "--", "true"], shows: ["messageWording"] },
  { name: "--unset-env=''", args: () => ["--unset-env=", IMG, "--", "true"] },
  { name: "--feature=bogus", args: () => ["--feature=bogus"] },
  { name: "-b missing source", args: () => ["-b", "/no/such:/mnt/0", IMG, "--", "true"] },
  { name: "-b empty source", args: () => ["-b", ":/mnt/0", IMG, "--", "true"] },
  { name: "-b empty destination", args: (w) => ["-b", `${w.src}:`, IMG, "--", "true"] },
  { name: "-b missing destination, read-only image", args: (w) => ["-b", `${w.src}:/no/such`, IMG, "--", "true"] },
  { name: "-m ''", args: () => ["-m", "", IMG, "--", "true"] },
  { name: "-w by name", args: (w) => ["-w", "-s", w.storage, "foo/bar", "--", "true"], shows: ["staleErrno"] },
  { name: "directory image inside storage", args: (w) => ["-s", w.storage, `${w.storage}/img/foo%bar`, "--", "true"], shows: ["messageDetail"] },
  { name: "join: no peer count", args: () => ["-j", IMG, "--", "true"], shows: ["messageWording", "messageDetail"] },
];

/** Host environments, merged over the harness's default one. */
const ENVIRONMENTS: Record<string, (w: World) => Record<string, string | undefined>> = {
  plain: (w) => ({ CH_IMAGE_STORAGE: w.storage }),
  "host variables": (w) => ({ CH_IMAGE_STORAGE: w.storage, TMPDIR: w.tmpdir, PWD: "/somewhere", OLDPWD: "/else",
                              FOO: "bar", FOO_BAR: "baz", LD_LIBRARY_PATH: "/opt/lib", SLURM_JOB_ID: "42", TERM: "dumb" }),
  "HOME unset": (w) => ({ CH_IMAGE_STORAGE: w.storage, HOME: undefined }),
  "PATH without /bin": (w) => ({ CH_IMAGE_STORAGE: w.storage, PATH: "/usr/local/bin:/usr/bin" }),
  "USER differs from the uid": (w) => ({ CH_IMAGE_STORAGE: w.storage, USER: "someone" }),
};

interface Pair {
  theirs: RunResult;
  ours: RunResult;
}

function both(args: string[], opts: RunOpts): Pair {
  return { theirs: run([ORACLE, ...args], opts), ours: run([CH_RUN_SKIFF, ...args], opts) };
}

/** home: what skiff sets HOME to without --home. */
function skiffHome(args: string[], user: string): string {
  return args.includes("--home") ? `/home/${user}` : "/root"; // every image here has /root
}

function compare(c: Case, p: Pair, args: string[], env: Record<string, string | undefined>): void {
  const why = `${c.name}\n0.31: ${describeResult(p.theirs)}\nskiff: ${describeResult(p.ours)}`;
  assert.equal(p.ours.status, expectedStatus(p.theirs.status, p.theirs.stderr), why);

  // stderr: the lines ch-run's users rely on, the same message by message
  const mine = comparableLogLines(p.ours.stderr, false);
  const oracle = comparableLogLines(p.theirs.stderr, true)
    // getopt names argv[0] as typed
    .map((l) => l.replace(/^\/usr\/bin\/ch-run: /, `${CH_RUN_SKIFF}: `));
  if (c.shows?.includes("version")) {
    assert.match(p.ours.stderr, /^\d+\.\d+\.\d+\n$/, why);
    assert.match(p.theirs.stderr, /^\d+\.\d+\n$/, why);
  } else if (c.shows?.includes("helpText")) {
    assert.match(mine[0], /^Usage: ch-run \[OPTION\.\.\.\] IMAGE -- COMMAND \[ARG\.\.\.\]$/, why);
    assert.match(oracle[0], /^Usage: ch-run \[OPTION\.\.\.\] IMAGE -- CMD \[ARG\.\.\.\]$/, why);
  } else {
    assert.equal(mine.length, oracle.length, why);
    mine.forEach((l, i) => assert.ok(sameMessage(l, oracle[i]), `line ${i}: ${l}\n≠ ${oracle[i]}\n${why}`));
  }

  if (c.shows?.includes("dumpLines"))
    assert.ok(/: seccomp: 0\n/.test(p.ours.stderr) && !/: seccomp: /.test(p.theirs.stderr), `dumpLines?\n${why}`);

  if (!c.report) {
    assert.equal(withoutUsageLine(p.ours.stdout), p.theirs.stdout, why);
    if (c.shows?.includes("usageLine"))
      assert.notEqual(p.ours.stdout, p.theirs.stdout, "usageLine: no longer a difference?");
    return;
  }
  const mineR = parseReport(p.ours.stdout);
  const theirR = parseReport(p.theirs.stdout);
  if (mineR.lines.some((l) => l.startsWith("mount: /etc/passwd ")))
    assert.ok(mineR.lines.includes("mount: /etc/passwd tmpfs"), `passwdFiles: no longer a difference?\n${why}`);
  mineR.lines = mineR.lines.map(passwdFileType);
  theirR.lines = theirR.lines.map(passwdFileType);
  if (c.shows?.includes("squashFuseType")) {
    assert.ok(mineR.lines.includes("mount: / fuse.skiff-squashd"), `squashFuseType?\n${why}`);
    mineR.lines = mineR.lines.map(squashType);
  }
  if (c.shows?.includes("homeMount")) {
    const home = (l: string) => /^mount: (\/home(\/|\.orig| )|\/ )/.test(l);
    assert.deepEqual(mineR.lines.filter((l) => !home(l)), theirR.lines.filter((l) => !home(l)), why);
    assert.ok(theirR.lines.includes("mount: /home tmpfs") && mineR.lines.includes("mount: / overlay"),
              `homeMount: no longer a difference?\n${why}`);
  } else {
    assert.deepEqual(mineR.lines, theirR.lines, why);
  }
  const cwd = /^cwd: (.*)$/m.exec(p.ours.stdout)![1];
  // home: where 0.31 shows the host's HOME passed through, skiff shows its
  // own; where the options unset or set HOME, both show that
  const home = c.unsetsHome ? undefined
    : theirR.env.HOME === env.HOME ? skiffHome(args, env.USER ?? "") : theirR.env.HOME;
  const expected = expectedEnvironment(theirR.env, home, cwd);
  if (home === undefined) delete expected.HOME;
  assert.deepEqual(mineR.env, expected, why);
}

function runCase(c: Case, as: As, envName: string): void {
  const w = world(as);
  const env = ENVIRONMENTS[envName](w);
  const args = c.args(w);
  compare(c, both(args, { as, env, cwd: w.empty }), args, { ...defaultEnv(as), ...env });
}

describe("differential: Debian's ch-run 0.31 and skiff", () => {
  before(() => {
    const r = run([ORACLE, "--version"], { env: { USER: "root" } });
    assert.equal(r.stderr, "0.31\n", "the oracle is not ch-run 0.31");
  });

  for (const as of AS_BOTH)
    describe(`as ${as}`, () => {
      for (const envName of Object.keys(ENVIRONMENTS))
        describe(`environment: ${envName}`, () => {
          for (const c of [...RUNS, ...FAILURES])
            if (envName === "plain" || c.allEnvironments)
              test(c.name, () => runCase(c, as, envName));
        });
    });
});

describe("documented differences the matrix can't normalise", () => {
  for (const as of AS_BOTH) {
    test(`fileBindDestination: -b FILE:/missing on a writable image, as ${as}`, () => {
      const w = world(as);
      const img = userCopyOfImage(as);
      const args = ["-w", "-b", `${w.src}/marker:/new-file`, img, "--", "/bin/cat", "/new-file"];
      const theirs = run([ORACLE, ...args], { as });
      assert.equal(theirs.status, 1, describeResult(theirs));
      assert.match(theirs.stderr, /error: can't bind .*\/new-file: Not a directory/);
      fs.rmSync(`${img}/new-file`, { recursive: true });
      const ours = run([CH_RUN_SKIFF, ...args], { as });
      assert.equal(ours.status, 0, describeResult(ours));
      assert.equal(ours.stdout, "marker\n");
      assert.ok(fs.statSync(`${img}/new-file`).isFile());
    });

    test(`home and pwd: the host's values pass through 0.31, not skiff, as ${as}`, () => {
      const env = { HOME: "/host/home", PWD: "/host/pwd" };
      const cmd = [IMG, "--", "/bin/sh", "-c", 'printf "%s\\n" "$HOME" "$(cat /proc/$$/environ | tr "\\0" "\\n" | grep ^PWD=)"'];
      assert.equal(run([ORACLE, ...cmd], { as, env }).stdout, "/host/home\nPWD=/host/pwd\n");
      assert.equal(run([CH_RUN_SKIFF, ...cmd], { as, env }).stdout, "/root\nPWD=/\n");
    });

    test(`options: each version rejects the other's, as ${as}`, () => {
      for (const opt of ["-q", "--seccomp", "--set-env0", "--test=log", "--warnings=1", "-W", "--write-fake=1m",
                         "--color", "--dry-run"]) {
        const theirs = run([ORACLE, opt, IMG, "--", "/bin/true"], { as });
        assert.equal(theirs.status, 64, `${opt}: ${describeResult(theirs)}`);
        const ours = run([CH_RUN_SKIFF, opt, IMG, "--", "/bin/true"], { as });
        assert.equal(ours.status, 0, `${opt}: ${describeResult(ours)}`);
      }
      for (const opt of ["--ch-ssh", "--no-home"]) {
        assert.notEqual(run([ORACLE, opt, IMG, "--", "/bin/true"], { as }).status, 64, opt);
        assert.equal(run([CH_RUN_SKIFF, opt, IMG, "--", "/bin/true"], { as }).status, 64, opt);
      }
      const theirs = run([ORACLE, "--feature=overlayfs"], { as });
      assert.match(theirs.stderr, /unknown feature: overlayfs/);
      assert.equal(run([CH_RUN_SKIFF, "--feature=overlayfs"], { as }).status, 0);
    });
  }

  test("every difference is documented with what and why", () => {
    for (const [id, d] of Object.entries(DIFFERENCES)) {
      assert.ok(d.what.length > 20, id);
      assert.ok(d.why.length > 20, id);
    }
  });
});
