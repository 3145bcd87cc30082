// --join parameters: the peer group size, tag and timeout from the command
// line and the environment (src/cli/join.ts, src/plan/join.ts; doc/join.md §5), including
// Slurm's compressed per-node task lists.

import { describe, test } from "node:test";
import * as assert from "node:assert/strict";

import { defaultOptions, Options } from "../../src/cli/options.js";
import { Image } from "../../src/image/image.js";
import { MAX_PEERS, parseJoinCount, parseJoinPid } from "../../src/cli/join.js";
import { expandSlurmList, joinPlan, slurmTasksOnThisNode, timeoutMs } from "../../src/plan/join.js";
import { getenvOf } from "../lib/environ.ts";
import { Failure, isFailure } from "../../src/log/fail.js";
import { buildPlan, HostFacts } from "../../src/plan/build.js";

/** What f throws, which must be a Failure. */
function failure(f: () => unknown): Failure {
  try {
    f();
  } catch (e) {
    assert.ok(isFailure(e), "not a Failure: " + String(e));
    return e;
  }
  return assert.fail("expected a failure");
}

interface JoinOpts { join: boolean; joinCt?: number; joinTag?: string; joinPid?: number }

function plan(o: JoinOpts, env: string[] = [], ppid = 777) {
  return joinPlan(o, getenvOf(env), ppid);
}

describe("--join-ct", () => {
  for (const [v, n] of [["1", 1], ["4", 4], [" 8", 8], ["+2", 2], [String(MAX_PEERS), MAX_PEERS]] as const) {
    test(`'${v}' is ${n}`, () => assert.equal(parseJoinCount(v), n));
  }
  const NO_VALID = "join: no valid peer group size found";
  for (const [v, message, why] of [["0", NO_VALID, "less than 1"], ["-1", NO_VALID, "less than 1"],
    ["a", "--join-ct: no digits found", "give a whole number"], ["", "--join-ct: no digits found", "whole"],
    ["1a", "--join-ct: extra characters after digits", "alone"], ["4 ", "--join-ct: extra characters after digits", "alone"],
    ["99999999999", "--join-ct: out of range", "largest"], ["2147483648", "--join-ct: out of range", "largest"],
    [String(MAX_PEERS + 1), NO_VALID, "more than 65536"]]) {
    test(`'${v}' is an error in ch-run's words, the hint naming it: ${message}`, () => {
      const f = failure(() => parseJoinCount(v));
      assert.equal(f.message, message);
      assert.ok((f.hint ?? "").startsWith(`--join-ct is '${v}'`), f.hint);
      assert.ok((f.hint ?? "").includes(why), f.hint);
      assert.equal(f.exitCode, 31);
    });
  }
});

describe("--join-pid", () => {
  for (const [v, n] of [["123", 123], [" 5", 5], ["+7", 7]] as const)
    test(`'${v}' is ${n}, as strtol reads it`, () => assert.equal(parseJoinPid(v), n));
  for (const [v, message] of [["0", "--join-pid: invalid PID: '0'"], ["-1", "--join-pid: invalid PID: '-1'"],
    ["a", "--join-pid: no digits found"], ["1a", "--join-pid: extra characters after digits"],
    ["", "--join-pid: no digits found"], ["5 ", "--join-pid: extra characters after digits"],
    ["99999999999", "--join-pid: out of range"]]) {
    test(`'${v}' is an error naming it`, () => {
      const f = failure(() => parseJoinPid(v));
      assert.equal(f.message, message);
      assert.ok(f.message.includes(`'${v}'`) || (f.hint ?? "").includes(`'${v}'`), f.hint);
    });
  }
});

describe("Slurm task lists", () => {
  test("expand", () => {
    assert.deepEqual(expandSlurmList("2(x3),1"), [2, 2, 2, 1]);
    assert.deepEqual(expandSlurmList("4"), [4]);
    assert.deepEqual(expandSlurmList("1,2,3"), [1, 2, 3]);
    assert.deepEqual(expandSlurmList("3(x2),2(x2),1"), [3, 3, 2, 2, 1]);
    assert.deepEqual(expandSlurmList("16(x1)"), [16]);
  });
  test("anything else is not a list", () => {
    for (const v of ["", "a", "2(x", "2(x3", "2(3)", "2,", ",2", "2(x3),,1", "2 (x3)", "-1"])
      assert.equal(expandSlurmList(v), null, v);
  });
  test("each node gets its own count from SLURM_NODEID (ch-run gives all the first node's)", () => {
    assert.equal(slurmTasksOnThisNode("2(x3),1", "0"), 2);
    assert.equal(slurmTasksOnThisNode("2(x3),1", "2"), 2);
    assert.equal(slurmTasksOnThisNode("2(x3),1", "3"), 1);
    assert.equal(slurmTasksOnThisNode("1,4", "1"), 4);
  });
  test("a uniform list needs no SLURM_NODEID", () => {
    assert.equal(slurmTasksOnThisNode("4(x8)", undefined), 4);
    assert.equal(slurmTasksOnThisNode("3", undefined), 3);
  });
  test("an uneven list without a usable SLURM_NODEID is an error", () => {
    assert.match(failure(() => slurmTasksOnThisNode("2(x3),1", undefined)).message,
                 /^join: SLURM_STEP_TASKS_PER_NODE=2\(x3\),1 differs between nodes but SLURM_NODEID is not set$/);
    assert.match(failure(() => slurmTasksOnThisNode("2(x3),1", "x")).message, /SLURM_NODEID is 'x'$/);
    assert.match(failure(() => slurmTasksOnThisNode("2(x3),1", "4")).message,
                 /lists 4 nodes but SLURM_NODEID is 4$/);
  });
  test("something else is read leniently, as ch-run does", () => {
    assert.equal(slurmTasksOnThisNode("3foo", undefined), 3);
    assert.ok(isNaN(slurmTasksOnThisNode("foo", undefined)));
  });
});

describe("peer group size", () => {
  test("--join-ct wins over the environment", () => {
    assert.equal(plan({ join: true, joinCt: 3 }, ["OMPI_COMM_WORLD_LOCAL_SIZE=8"])?.count, 3);
  });
  test("first set of OMPI_COMM_WORLD_LOCAL_SIZE, SLURM_STEP_TASKS_PER_NODE, SLURM_CPUS_ON_NODE", () => {
    const all = ["SLURM_CPUS_ON_NODE=16", "SLURM_STEP_TASKS_PER_NODE=4", "OMPI_COMM_WORLD_LOCAL_SIZE=2"];
    assert.equal(plan({ join: true }, all)?.count, 2);
    assert.equal(plan({ join: true }, all.slice(0, 2))?.count, 4);
    assert.equal(plan({ join: true }, all.slice(0, 1))?.count, 16);
  });
  test("heterogeneous step: this node's count", () => {
    const env = ["SLURM_STEP_TASKS_PER_NODE=2(x3),1", "SLURM_NODEID=3"];
    assert.equal(plan({ join: true }, env)?.count, 1);
    assert.equal(plan({ join: true }, ["SLURM_STEP_TASKS_PER_NODE=2(x3),1", "SLURM_NODEID=1"])?.count, 2);
  });
  test("lenient: trailing garbage is ignored", () => {
    assert.equal(plan({ join: true }, ["SLURM_CPUS_ON_NODE=4foo"])?.count, 4);
  });
  for (const [env, re] of [
    ["SLURM_CPUS_ON_NODE=a", /^SLURM_CPUS_ON_NODE: no digits found$/],
    ["SLURM_CPUS_ON_NODE=-1", /^join: no valid peer group size found$/],
    ["OMPI_COMM_WORLD_LOCAL_SIZE=0", /^join: no valid peer group size found$/],
    ["OMPI_COMM_WORLD_LOCAL_SIZE=", /^OMPI_COMM_WORLD_LOCAL_SIZE: no digits found$/],
    ["SLURM_CPUS_ON_NODE=99999999", /^join: no valid peer group size found$/],
  ] as Array<[string, RegExp]>) {
    test(`${env} is an error in ch-run's words, the hint naming it`, () => {
      const f = failure(() => plan({ join: true }, [env]));
      assert.match(f.message, re);
      const [name, value] = env.split("=");
      assert.ok((f.hint ?? "").startsWith(`${name} is '${value}'`), f.hint);
      assert.match(f.hint ?? "", /--join-ct/);
    });
  }
  test("none set: ch-run's error, the hint saying where it looked", () => {
    const f = failure(() => plan({ join: true }, ["PATH=/bin"]));
    assert.equal(f.message, "join: no valid peer group size found");
    assert.match(f.hint ?? "", /^none of --join-ct, OMPI_COMM_WORLD_LOCAL_SIZE, /);
  });
});

describe("peer group tag", () => {
  test("--join-tag", () => assert.equal(plan({ join: true, joinCt: 2, joinTag: "foo" }, ["SLURM_STEP_ID=3"])?.tag,
                                         "foo"));
  test("Slurm: job and step, so two jobs on one node don't share a container", () => {
    assert.equal(plan({ join: true, joinCt: 2 }, ["SLURM_STEP_ID=0", "SLURM_JOB_ID=4711"])?.tag, "4711.0");
  });
  test("SLURM_STEP_ID alone", () => assert.equal(plan({ join: true, joinCt: 2 }, ["SLURM_STEP_ID=7"])?.tag, "7"));
  test("else the parent's PID", () => assert.equal(plan({ join: true, joinCt: 2 }, [], 4242)?.tag, "4242"));
  for (const [o, env, re] of [
    [{ joinTag: "" }, [], /^join: peer group tag cannot be empty string$/],
    [{ joinTag: "a/b" }, [], /^--join-tag: invalid peer group tag 'a\/b': it can't contain '\/'/],
    [{ joinTag: "/" }, [], /can't contain '\/'/],
    [{ joinTag: "x".repeat(241) }, [], /longer than 240 characters$/],
    [{}, ["SLURM_STEP_ID="], /^join: peer group tag cannot be empty string$/],
    [{}, ["SLURM_STEP_ID=1/2"], /^join: SLURM_STEP_ID: invalid peer group tag '1\/2'/],
  ] as Array<[Partial<JoinOpts>, string[], RegExp]>) {
    test(`bad tag ${JSON.stringify(o)} ${env.join(" ")} is an error naming it`, () => {
      const f = failure(() => plan({ join: true, joinCt: 2, ...o }, env));
      assert.match(f.message, re);
      assert.ok(f.hint);
    });
  }
  test("a bad --join-tag is reported before a missing size", () => {
    const f = failure(() => plan({ join: true, joinTag: "" }));
    assert.equal(f.message, "join: peer group tag cannot be empty string");
    assert.match(f.hint ?? "", /^--join-tag is empty/);
  });
  test("240 characters are fine", () => {
    assert.equal(plan({ join: true, joinCt: 2, joinTag: "x".repeat(240) })?.tag.length, 240);
  });
});

describe("timeout", () => {
  const env = (v?: string) => getenvOf(v === undefined ? [] : ["SKIFF_JOIN_TIMEOUT=" + v]);
  test("default 30 s", () => assert.equal(timeoutMs(env()), 30000));
  test("SKIFF_JOIN_TIMEOUT seconds", () => {
    assert.equal(timeoutMs(env("2")), 2000);
    assert.equal(timeoutMs(env("0.5")), 500);
  });
  for (const v of ["", "0", "-1", "x", "1s", "100000", ".5"]) {
    test(`'${v}' is an error naming it`, () => {
      const f = failure(() => timeoutMs(env(v)));
      assert.equal(f.message, `SKIFF_JOIN_TIMEOUT: invalid timeout: '${v}'`);
      assert.match(f.hint ?? "", /seconds/);
    });
  }
});

describe("plan", () => {
  test("no --join: no group", () => assert.equal(plan({ join: false }, ["SLURM_CPUS_ON_NODE=4"]), undefined));
  test("--join-pid wins over --join and needs no size", () => {
    assert.equal(plan({ join: true, joinPid: 5 }), undefined);
  });

  const host: HostFacts = {
    euid: 1000, egid: 1000, user: "alice", hostTmp: "/tmp", ppid: 99,
    environ: ["PATH=/bin", "SLURM_STEP_TASKS_PER_NODE=4(x2)", "SLURM_STEP_ID=1", "SLURM_JOB_ID=12"],
    getenv: getenvOf(["PATH=/bin", "SLURM_STEP_TASKS_PER_NODE=4(x2)", "SLURM_STEP_ID=1", "SLURM_JOB_ID=12"]),
    squashMount: "/var/tmp/alice.ch/mnt",
    sigpipe: "default",
  };
  const image: Image = { kind: "directory", ref: "./img", path: "/var/tmp/img" };
  function options(change: (o: Options) => void): Options {
    const o = defaultOptions((n) => ({ USER: "alice", HOME: "/u/alice" } as Record<string, string>)[n]);
    o.image = "./img";
    o.command = ["/bin/true"];
    change(o);
    return o;
  }
  test("buildPlan fills plan.join from options and environment", () => {
    const p = buildPlan(options((o) => { o.join = true; }), image, host);
    assert.deepEqual(p.join, { count: 4, tag: "12.1", timeoutMs: 30000 });
    assert.equal(p.joinPid, undefined);
  });
  test("buildPlan fills plan.joinPid and no group", () => {
    const p = buildPlan(options((o) => { o.join = true; o.joinPid = 42; }), image, host);
    assert.equal(p.joinPid, 42);
    assert.equal(p.join, undefined);
    assert.ok(!("join" in p));
  });
  test("without --join the plan has neither", () => {
    const p = buildPlan(options(() => {}), image, host);
    assert.ok(!("join" in p) && !("joinPid" in p));
  });
});
