// src/cli/argp.ts against glibc itself: the option table is compiled into a
// small C program that parses with the real argp_parse() (as ch-run does)
// and prints what it parsed; both parse the same command lines, handwritten
// and random, and must print the same bytes, the help argp prints included.
// The help is glibc's in both (src/cli/help.ts binds it), so the binary is
// compared too: its help and usage texts, under many ARGP_HELP_FMT values.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { Exit } from "../../src/log/fail.ts";
import {
  argpParse, ArgpIO, exitWithHelp, Handler, HELP_STD_HELP, optionKey, withArgpOptions,
} from "../../src/cli/argp.ts";
import { helpDoc, RUN_OPTIONS } from "../../src/cli/options.ts";
import { argpOracle, optName } from "../lib/argp-oracle.ts";

// The real table, with handlers that only record.
const DOC = helpDoc("ch-run");
const ORACLE = argpOracle(DOC);

interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

function glibc(args: string[], env: Record<string, string> = {}): Outcome {
  const r = spawnSync(ORACLE.path, args, { encoding: "utf8", env: { PATH: "/usr/bin:/bin", ...env } });
  return { status: r.status!, stdout: r.stdout, stderr: r.stderr };
}

//// The TypeScript side ///////////////////////////////////////////////////

function skiff(args: string[], env: Record<string, string> = {}): Outcome {
  const o: Outcome = { status: 0, stdout: "", stderr: "" };
  const doc = DOC;
  const specs = new Map(RUN_OPTIONS.map((s) => [optionKey(s), s]));
  const handler: Handler = (key, v) => { o.stdout += `opt ${optName(specs.get(key)!)} ${v ?? "(null)"}\n`; };
  const io: ArgpIO = {
    argv0: ORACLE.path, name: "ch-run",
    stdout: (t) => { o.stdout += t; },
    stderr: (t) => { o.stderr += t; },
    renderHelp: (_d, flags) => ORACLE.help(io.name, flags),
    rename: () => {},
    sleep: () => {},
  };
  try {
    const positional = argpParse(doc, args, env.POSIXLY_CORRECT !== undefined, io, handler);
    if (positional.length === 0)
      exitWithHelp(withArgpOptions(doc), io, HELP_STD_HELP, io.stderr, 1);
    for (const p of positional) o.stdout += `arg ${p}\n`;
  } catch (e) {
    if (!(e instanceof Exit)) throw e;
    o.status = e.code;
  }
  return o;
}

function same(args: string[], env: Record<string, string> = {}): void {
  assert.deepEqual(skiff(args, env), glibc(args, env), `argv: ${JSON.stringify(args)} env: ${JSON.stringify(env)}`);
}

//// Cases //////////////////////////////////////////////////////////////////

const CASES: string[][] = [
  [], ["IMG"], ["IMG", "cmd"], ["IMG", "--", "cmd", "-x"], ["--", "IMG", "-v"], ["--"], ["-"], ["-", "--"],
  ["-v"], ["-vvv", "IMG", "true"], ["IMG", "-v", "cmd"], ["IMG", "ls", "-la", "/"], ["IMG", "cmd", "--", "-v"],
  ["-b", "/a:/b", "IMG", "x"], ["-b/a", "IMG", "x"], ["--bind", "/a", "IMG"], ["--bind=/a", "IMG"], ["-b"],
  ["--bind"], ["-b", "--", "IMG"], ["--bind", "--"], ["-u0", "-g", "0", "IMG", "x"], ["-u", "IMG"],
  ["-W", "4m", "IMG"], ["-W4m", "IMG"], ["--write-fake", "IMG"], ["--write-fake=1g", "IMG"], ["-WW", "IMG"],
  ["--set-env", "IMG"], ["--set-env=F", "IMG"], ["--set-env", "F", "IMG"], ["--set-env0=x=y", "IMG"],
  ["--set", "IMG"], ["--set-env0", "IMG"], ["--se", "IMG"], ["--s", "IMG"], ["--st=/x", "IMG"],
  ["--j", "IMG"], ["--jo", "IMG"], ["--join", "IMG"], ["--join-c=3", "IMG"], ["--join-ct", "3", "IMG"],
  ["--bogus"], ["--bogus=3", "IMG"], ["-x", "IMG"], ["-vx"], ["-v-"], ["---x"], ["--=x"], ["--="],
  ["--no-passwd=1", "IMG"], ["--no-p", "IMG"], ["--n", "IMG"], ["--h"], ["--he"], ["--help"], ["-?"],
  ["IMG", "--help"], ["--usage"], ["--us"], ["--u"], ["--un", "x"], ["--uns", "IMG"], ["-V"], ["--version"],
  ["--vers"], ["--ver"], ["--program-name=foo", "--bogus"], ["--program-name", "/a/b/c", "--help"],
  ["--program-name=foo"], ["--pro=bar", "--usage"], ["--p"], ["--pr", "x"], ["--HANG=0", "IMG"],
  ["--HANG=abc", "IMG"], ["--H=0", "IMG"], ["--color", "IMG"],
  ["--color=never", "IMG"], ["--c", "IMG"], ["--co", "IMG"], ["--cd", "/", "IMG"], ["-c", "IMG"],
  ["--dry-run", "IMG"], ["--d", "IMG"], ["--e", "IMG"], ["--f=x"], ["--feature"], ["-m", "", "IMG"],
  ["--unset-env", "*", "IMG", "x"], ["--unset-env"], ["-t", "-w", "-j", "-q", "IMG"], ["-tjwq", "IMG"],
  ["--test=log"], ["--test"], ["--warnings=3"], ["--w"], ["--wa=1"], ["--wr", "IMG"],
  ["IMG", "-u"], ["IMG", "x", "-b"], ["a", "b", "c", "-v", "d", "--", "e", "-f"],
];

test("handwritten command lines: the same as glibc argp", () => {
  for (const args of CASES) same(args);
});

test("POSIXLY_CORRECT: options stop at IMAGE, as with glibc", () => {
  for (const args of [["IMG", "-v", "cmd"], ["-v", "IMG", "ls", "-la"], ["IMG", "--", "x"], ["--", "IMG", "-v"]])
    same(args, { POSIXLY_CORRECT: "1" });
});

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = ["-v", "-vv", "-q", "-b", "-b/x", "/x:/y", "--bind", "--bind=/x", "--b", "--set-env",
  "--set-env=F", "--set", "-W", "-W1m", "--write-fake", "--write", "--w", "--", "-", "IMG", "cmd", "-la",
  "--join", "--j", "--join-t", "--join-tag=t", "-u", "0", "-u0", "--uid", "-x", "--bogus", "--no-passwd=1",
  "--unset-env", "--program-name=p", "-?", "--usage", "-V", "--c", "--cd", "=", "-c/", "--=", "---", "-tj"];

test("random command lines: the same as glibc argp", () => {
  const next = random(3);
  for (let n = 0; n < 120; n++) {
    const args: string[] = [];
    for (let len = Math.floor(next() * 7); len > 0; len--) args.push(TOKENS[Math.floor(next() * TOKENS.length)]);
    same(args);
  }
});

/** The binary, as ch-run, typed as the oracle is (getopt's messages start
    with argv[0]). */
function binary(args: string[], env: Record<string, string> = {}): Outcome {
  const r = spawnSync(path.resolve("build/skiff"), args,
                      { argv0: ORACLE.path, encoding: "utf8", env: { PATH: "/usr/bin:/bin", USER: "u", ...env } });
  return { status: r.status!, stdout: r.stdout, stderr: r.stderr };
}

const FORMATS = [
  "", "rmargin=40", "rmargin=20,opt-doc-col=10", "dup-args", "dup-args,no-dup-args-note", "dup-args-note",
  "long-opt-col=10,short-opt-col=4", "usage-indent=4,rmargin=50", "opt-doc-col=40,rmargin=30",
  "opt-doc-col=29", "header-col=3,doc-opt-col=5", " rmargin = 60 , opt-doc-col=20", "bogus,rmargin,x=5, ;;",
  "no-dup-args", "rmargin=200", "opt-doc-col=0", "usage-indent=0", "rmargin=79,opt-doc-col=26",
];

test("--help, --usage, no IMAGE and a usage error, under ARGP_HELP_FMT: the same as glibc argp", () => {
  const next = random(7);
  const formats = FORMATS.slice();
  for (let n = 0; n < 15; n++)
    formats.push(`rmargin=${15 + Math.floor(next() * 90)},opt-doc-col=${Math.floor(next() * 40)},`
                 + `usage-indent=${Math.floor(next() * 20)}${next() < 0.5 ? ",dup-args" : ""}`);
  let compared = 0, crashed = 0, refused = 0;
  for (const fmt of formats)
    for (const args of [["--help"], ["--usage"], [], ["--bogus"], ["--program-name=a-much-longer-program-name", "-x"]]) {
      const env = { ARGP_HELP_FMT: fmt };
      const ours = binary(args, env);
      assert.notEqual(ours.status, null, `skiff died with ARGP_HELP_FMT=${fmt}`);
      const refusal = /^[\w-]+: ARGP_HELP_FMT: (rmargin value is less than or equal to |argp's help crashed)/m
        .exec(ours.stderr);
      if (refusal) {
        // skiff refuses what makes glibc's argp loop or crash, as newer
        // argp does, and keeps argp's defaults
        if (refusal[1].startsWith("argp")) {
          assert.equal(glibc(args, env).status, null, `glibc did not crash with ARGP_HELP_FMT=${fmt}`);
          crashed++;
        } else {
          refused++;
        }
        const complaint = /^[\w-]+: .*ARGP_HELP_FMT.*\n/gm;
        const theirs = glibc(args, { ARGP_HELP_FMT: "dup-args-note" });
        assert.deepEqual({ ...ours, stderr: ours.stderr.replace(complaint, "") },
                         { ...theirs, stderr: theirs.stderr.replace(complaint, "") }, fmt);
        continue;
      }
      assert.deepEqual(ours, glibc(args, env), `argv: ${JSON.stringify(args)} env: ${JSON.stringify(env)}`);
      compared++;
    }
  const counts = `${crashed} glibc crashes, ${refused} refused, ${compared} comparisons`;
  assert.ok(crashed > 0 && refused > 0 && compared > 5 * (crashed + refused), counts);
});

test("--help lists every option of the HEAD ch-run help, in its order, with its text", () => {
  // doc/command-line.md §1.1, verbatim; options HEAD lacks (--color,
  // --dry-run and the CDI ones of ch-run's nvidia-cdi branch) and HEAD's
  // text around them are checked above against glibc.
  const HEAD = `  -b, --bind=SRC[:DST]     mount SRC at guest DST (default: same as SRC)
  -c, --cd=DIR             initial working directory in container
      --env-no-expand      don't expand $ in --set-env input
      --feature=FEAT       exit successfully if FEAT is enabled
  -g, --gid=GID            run as GID within container
      --home               mount host $HOME at guest /home/$USER
      --join-ct=N          number of join peers (implies --join)
      --join-pid=PID       join a namespace using a PID
      --join-tag=TAG       label for peer group (implies --join)
  -j, --join               use same container as peer ch-run
  -m, --mount=DIR          SquashFS mount point
      --no-passwd          don't bind-mount /etc/{passwd,group}
  -q, --quiet              print less output (can be repeated)
      --seccomp            fake success for some syscalls with seccomp(2)
      --set-env[=ARG]      set env. variables per ARG (newline-delimited)
      --set-env0[=ARG]     set env. variables per ARG (null-delimited)
  -s, --storage=DIR        set DIR as storage directory
      --test=TEST          do test TEST
  -t, --private-tmp        use container-private /tmp
      --unsafe             do unsafe things (internal use only)
      --unset-env=GLOB     unset environment variable(s)
  -u, --uid=UID            run as UID within container
  -v, --verbose            be more verbose (can be repeated)
      --warnings=NUM       log NUM warnings and exit
  -w, --write              mount image read-write (avoid)
  -W, --write-fake[=SIZE]  overlay read-write tmpfs on top of image
  -?, --help               Give this help list
      --usage              Give a short usage message
  -V, --version            print version and exit
`.split("\n");
  const help = binary(["--help"]);
  assert.equal(help.status, 0);
  const skiffOnly = /^ {6}--(color|dry-run)\[|^ {6}--(cdi-dirs|device)=|^ {2}-d, --devices /;
  const lines = help.stdout.split("\n").filter((l) => !skiffOnly.test(l));
  const start = lines.indexOf(HEAD[0]);
  assert.deepEqual(lines.slice(start, start + HEAD.length - 1), HEAD.slice(0, -1));
  assert.deepEqual(lines.slice(0, 4), ["Usage: ch-run [OPTION...] IMAGE -- COMMAND [ARG...]", "",
                                       "Run a command in a Charliecloud container.", ""]);
  assert.deepEqual(lines.slice(start + HEAD.length - 1),
                   ["", "Example:", "", "  $ ch-run /data/foo -- echo hello", "  hello", "",
                    "You cannot use this program to actually change your UID.", ""]);
});
