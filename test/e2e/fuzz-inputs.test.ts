// Fuzzing everything skiff parses, with fast-check: argv as raw bytes, env
// files (--set-env, --set-env0, the image's /ch/environment), --unset-env
// patterns, bind specs, and the Slurm and Open MPI variables of --join. Every
// case runs the real binary, as root or as the test user (--dry-run where
// that reaches the parser, a real launch where only the container does), and
// must end within HANG_MS with an exit status of ch-run's (or 0), no
// internal error, at most one error line, and leave nothing behind.
//
// The seed is fixed, so a run is repeatable; SKIFF_FUZZ_RUNS=N runs N cases
// per property instead of CI's few, SKIFF_FUZZ_SEED=S another seed. A
// failure prints fast-check's shrunk counterexample with its seed and path.

import { after, before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import fc from "fast-check";

import {
  As,
  IMG,
  RunResult,
  SCRATCH,
  SKIFF,
  SQFS,
  cleanupScratch,
  describeResult,
  hostMounts,
  scratchDir,
  userCopyOfImage,
} from "../lib/harness.js";
import { fsPath, runBytes } from "../lib/bytes.js";

after(cleanupScratch);

const SEED = Number(process.env.SKIFF_FUZZ_SEED ?? 20261206);
const HANG_MS = 15_000;
const EXIT_STATUSES = [0, 1, 31, 49, 64, 84];
/** Join tags start so, to tell our IPC objects from anyone else's. */
const TAG = "skiff-fuzz-";
/** In the environment of every process a case starts. */
const MARK = `SKIFF_FUZZ=${process.pid}`;

/** Cases per property: CI's count unless SKIFF_FUZZ_RUNS says otherwise. */
function cases(ci: number): number {
  return process.env.SKIFF_FUZZ_RUNS ? Number(process.env.SKIFF_FUZZ_RUNS) : ci;
}

//// Running a case ////////////////////////////////////////////////////////

/** $TMPDIR of every case: where skiff makes its passwd and group copies. */
let tmp = "";

before(() => {
  tmp = `${SCRATCH}/fuzz-tmp-${process.pid}`;
  fs.mkdirSync(tmp, { recursive: true });
  fs.chmodSync(tmp, 0o1777);
});

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(`${tmp}-files`, { recursive: true, force: true });
});

interface Case {
  as: As;
  args: string[];
  /** NAME=VALUE entries (bytes) added to the environment. */
  env?: string[];
}

function skiff(c: Case): RunResult {
  return runBytes([SKIFF, ...c.args], { as: c.as, timeoutMs: HANG_MS, env: { TMPDIR: tmp },
                                       envBytes: [MARK, ...(c.env ?? [])] });
}

/** What is wrong with a case's result, or null. */
function verdict(r: RunResult): string | null {
  if (r.status === null)
    return `no exit status (${r.signal}): hung past ${HANG_MS} ms or was killed`;
  if (!EXIT_STATUSES.includes(r.status))
    return `exit status ${r.status}, not one of ${EXIT_STATUSES.join(", ")}`;
  if (/internal error|duk_[a-z_]+\.c/.test(r.stderr))
    return "internal error";
  if (r.stderr.split("\n").filter((l) => /\]: error: /.test(l)).length > 1)
    return "more than one error line";
  return null;
}

//// Leftovers //////////////////////////////////////////////////////////////

function ours(): string[] {
  const left: string[] = [];
  for (const e of fs.readdirSync("/dev/shm"))
    if (e.includes(TAG)) left.push(`/dev/shm/${e}`);
  for (const e of fs.readdirSync(tmp)) left.push(`${tmp}/${e}`);
  for (const m of hostMounts())
    if (m.mountPoint.startsWith(SCRATCH) || m.mountPoint.startsWith(IMG)) left.push(`mount ${m.mountPoint}`);
  for (const p of fs.readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${p}/environ`, "latin1").split("\0").includes(MARK)) left.push(`process ${p}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return left;
}

/** Run count cases of arb through run, checking each; report the count. */
function fuzz<T>(t: { diagnostic(message: string): void }, arb: fc.Arbitrary<T>, count: number, toCase: (x: T) => Case): void {
  let n = 0;
  fc.assert(fc.property(arb, (x) => {
    n++;
    const c = toCase(x);
    const r = skiff(c);
    const wrong = verdict(r);
    if (wrong)
      throw new Error(`${wrong}\nas ${c.as}: skiff ${c.args.map((a) => JSON.stringify(a)).join(" ")}`
                      + `${c.env ? `\nenvironment: ${JSON.stringify(c.env)}` : ""}\n${describeResult(r)}`);
  }), { seed: SEED, numRuns: count });
  t.diagnostic(`${n} cases, seed ${SEED}`);
  let left = ours();
  for (let i = 0; i < 20 && left.length; i++) { // processes may take a moment to go
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    left = ours();
  }
  assert.deepEqual(left, [], "left behind");
}

//// Generators //////////////////////////////////////////////////////////////

/** Bytes as a binary string. */
const rawBytes = (max: number) =>
  fc.uint8Array({ maxLength: max }).map((b) => String.fromCharCode(...b));

/** Text made of the pieces parsers care about, bytes that are not UTF-8,
    and anything else. */
function pieces(specials: string[], max = 6): fc.Arbitrary<string> {
  return fc.array(fc.oneof(fc.constantFrom(...specials), rawBytes(6), fc.string({ maxLength: 6 }),
                           fc.constantFrom("\xe9", "\xff", "\x80", "\xc3\xa9", "\xed\xb3\xa9", "\n", "\0")),
                  { maxLength: max }).map((a) => a.join(""));
}

const who = fc.constantFrom<As>("root", "user");

const PATHS = ["/", "/tmp", "/mnt/0", "/nonexistent", "..", ".", "//", "/proc/self", "~", IMG, SQFS];
const pathish = pieces([...PATHS, "/", ":", "..", "."]);
const number = pieces(["0", "1", "-1", "+2", " 3", "007", "4294967296", "99999999999", "1e3", "0x10", "2(x3)", ","]);

/** Options with their values; -w and --write are left out: a case could
    write into the shared test image. */
const OPTIONS: [string, fc.Arbitrary<string>][] = [
  ["-b", pathish], ["--bind=", pathish], ["-c", pathish], ["--cd=", pathish], ["--color=", pieces(["auto", "never"])],
  ["--dry-run=", pieces(["json", "text"])], ["--env-no-expand", fc.constant("")], ["--feature=", pieces(["extglob",
  "seccomp", "squash"])], ["-g", number], ["--gid=", number], ["--home", fc.constant("")], ["-j", fc.constant("")],
  ["--join-ct=", number], ["--join-pid=", number], ["--join-tag=", pieces([TAG, "x", "/"])],
  ["-m", pathish], ["--mount=", pathish], ["--no-passwd", fc.constant("")], ["-t", fc.constant("")],
  ["--private-tmp", fc.constant("")], ["-q", fc.constant("")], ["--seccomp", fc.constant("")],
  ["--set-env=", pieces(["A=1", "=", "$", "${PATH}", "'", "\""])], ["--set-env0=", pathish],
  ["-s", pathish], ["--storage=", pathish], ["-u", number], ["--uid=", number], ["--unsafe", fc.constant("")],
  ["--unset-env=", pieces(["*", "?", "+(", ")", "|", "[a-z]"])], ["-v", fc.constant("")], ["-W", fc.constant("")],
  ["--write-fake=", number], ["--warnings=", number], ["--test=", pieces(["log", "log-fail", "log-fork"])],
  ["--help", fc.constant("")], ["--usage", fc.constant("")], ["-V", fc.constant("")], ["--", fc.constant("")],
  ["--no-such", pathish],
];

const option = fc.constantFrom(...OPTIONS).chain(([name, value]) => value.map((v) => name + v));
const argument = fc.oneof(option, pathish, fc.constantFrom(IMG, SQFS, "--", "/bin/true", "run"));

/** Environment file text: lines of NAME=VALUE with quotes, $ expansions,
    comments, blank lines, and bytes. */
const envLine = fc.oneof(
  fc.tuple(pieces(["A", "_", "PATH", "x1", " ", "#"], 3), pieces(["'", "\"", "$A", "${PATH}", "$", ":", " ", "\\"]))
    .map(([n, v]) => `${n}=${v}`),
  pieces(["#", " ", "=", "export "]), rawBytes(12));
const envText = fc.tuple(fc.array(envLine, { maxLength: 6 }), fc.constantFrom("\n", "\r\n"), fc.boolean())
  .map(([lines, nl, last]) => lines.join(nl) + (last ? nl : ""));

/** A file holding text (bytes), readable by both users. */
let fileCount = 0;
function file(text: string): string {
  const d = `${tmp}-files`;
  fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  const p = `${d}/${++fileCount}`;
  fs.writeFileSync(p, text, { encoding: "latin1", mode: 0o644 });
  return p;
}

/** Extended glob patterns (extglob: ?(...) *(...) +(...) @(...) !(...)),
    nested, with classes and escapes. */
const extglob: fc.Arbitrary<string> = fc.letrec<{ p: string }>((tie) => ({
  p: fc.oneof({ depthSize: "small", withCrossShrink: true },
    pieces(["*", "?", "A", "a", "[A-Z]", "[!a]", "[", "]", "\\", "|", ")", "("], 4),
    fc.tuple(fc.constantFrom("?", "*", "+", "@", "!"), fc.array(tie("p"), { minLength: 1, maxLength: 3 }), tie("p"))
      .map(([op, alts, rest]) => `${op}(${alts.join("|")})${rest}`),
    fc.tuple(tie("p"), tie("p")).map(([a, b]) => a + b)),
})).p;

const bindSpec = pieces([...PATHS, ":", "/mnt/0", "/mnt/1", ":/mnt/0", "/tmp:", "/etc/hosts", "/new/dir", "a:b:c"]);

/** Slurm's and Open MPI's variables as launchers set them, and not. */
const slurmList = fc.array(fc.tuple(fc.nat(6), fc.option(fc.nat(4), { nil: undefined })), { minLength: 1, maxLength: 3 })
  .map((items) => items.map(([n, x]) => (x === undefined ? `${n}` : `${n}(x${x})`)).join(","));
const joinValue = fc.oneof(slurmList, number, rawBytes(6));
const JOIN_VARIABLES = ["OMPI_COMM_WORLD_LOCAL_SIZE", "SLURM_STEP_TASKS_PER_NODE", "SLURM_CPUS_ON_NODE", "SLURM_NODEID",
                        "SLURM_STEP_ID", "SLURM_JOB_ID"];
const joinEnv = fc.array(fc.tuple(fc.constantFrom(...JOIN_VARIABLES), joinValue), { maxLength: 4 })
  .map((vars) => vars.map(([n, v]) => `${n}=${v}`));
const joinOption = fc.oneof(number.map((n) => `--join-ct=${n}`), number.map((n) => `--join-pid=${n}`),
                            pieces([TAG, "x", "/", "."]).map((t) => `--join-tag=${t}`));

//// Properties /////////////////////////////////////////////////////////////

describe("fuzzing", () => {
  test("argv: any bytes and options (--dry-run)", (t) => {
    fuzz(t, fc.tuple(who, fc.array(argument, { maxLength: 10 })), cases(250),
         ([as, args]) => ({ as, args: ["run", "--dry-run", ...args] }));
  });

  test("argv: any bytes before the command (skiff, not skiff run)", (t) => {
    fuzz(t, fc.tuple(who, fc.array(argument, { maxLength: 4 }).filter((a) => a[0] !== "run")), cases(30),
         ([as, args]) => ({ as, args }));
  });

  test("env files: --set-env and --set-env0 files, --set-env=NAME=VALUE (--dry-run)", (t) => {
    const arb = fc.tuple(who, envText, envText, fc.boolean(), pieces(["A=1", "=", "$A", "${", "'", "\""]));
    fuzz(t, arb, cases(100), ([as, text, text0, noExpand, inline]) => ({
      as, args: ["run", "--dry-run", `--set-env=${file(text)}`, `--set-env0=${file(text0.replace(/\n/g, "\0"))}`,
                 `--set-env=${inline}`, ...(noExpand ? ["--env-no-expand"] : []), IMG, "--", "/bin/true"],
    }));
  });

  test("env files: the image's /ch/environment (real runs)", (t) => {
    const img = userCopyOfImage("root");
    fuzz(t, fc.tuple(who, envText), cases(30), ([as, text]) => {
      fs.writeFileSync(`${img}/ch/environment`, text, "latin1");
      return { as, args: ["run", "--set-env", img, "--", "/bin/true"] };
    });
  });

  test("--unset-env patterns against any names (real runs)", (t) => {
    const names = fc.array(pieces(["A", "a", "_", "PATH", "+", "*"], 3).filter((n) => n !== "" && !/[=\0]/.test(n)),
                           { maxLength: 4 });
    fuzz(t, fc.tuple(who, names, fc.array(extglob, { minLength: 1, maxLength: 2 })), cases(40),
         ([as, vars, patterns]) => ({
           as, env: vars.map((n) => `${n}=x`),
           args: ["run", ...patterns.map((p) => `--unset-env=${p}`), IMG, "--", "/bin/true"],
         }));
  });

  test("bind specs (--dry-run)", (t) => {
    fuzz(t, fc.tuple(who, fc.array(bindSpec, { minLength: 1, maxLength: 3 }), fc.boolean()), cases(100),
         ([as, specs, fake]) => ({ as, args: ["run", "--dry-run", ...(fake ? ["-W"] : []),
                                              ...specs.flatMap((b) => ["-b", b]), IMG, "--", "/bin/true"] }));
  });

  test("bind specs (real runs, -W)", (t) => {
    fuzz(t, fc.tuple(who, fc.array(bindSpec, { minLength: 1, maxLength: 2 })), cases(25),
         ([as, specs]) => ({ as, args: ["run", "-W", ...specs.flatMap((b) => ["-b", b]), IMG, "--", "/bin/true"] }));
  });

  test("Slurm and Open MPI variables, --join-* (--dry-run)", (t) => {
    fuzz(t, fc.tuple(who, joinEnv, fc.array(joinOption, { maxLength: 2 })), cases(100),
         ([as, env, options]) => ({ as, env, args: ["run", "--dry-run", "-j", ...options, IMG, "--", "/bin/true"] }));
  });

  test("Slurm and Open MPI variables, a group of one (real runs)", (t) => {
    fuzz(t, fc.tuple(who, joinEnv, pieces(["x", "-", "."], 3)), cases(20), ([as, env, tag]) => ({
      as, env: [...env.filter((e) => !e.startsWith("SLURM_STEP_ID=")), "OMPI_COMM_WORLD_LOCAL_SIZE=1"],
      args: ["run", `--join-tag=${TAG}${tag}`, IMG, "--", "/bin/true"],
    }));
  });
});
