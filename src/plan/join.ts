// The --join peer group's parameters (doc/join.md §5): its size, its tag and
// how long peers wait for each other, from the command line, else from what
// Open MPI and Slurm put in the environment.

import { checkCount, COUNT_HINT, MAX_PEERS } from "../cli/join";
import { fail } from "../log/fail";
import * as log from "../log/log";
import { strtol10 } from "../sys/strtol";
import { Getenv } from "../sys/sys";
import { JoinPlan } from "./plan";

/** Seconds each wait may take unless SKIFF_JOIN_TIMEOUT says otherwise:
    ch-run's JOIN_TIMEOUT. */
var DEFAULT_TIMEOUT_S = 30;

/** Longest tag: "sem.ch-run_sem-TAG" must fit a file name (NAME_MAX). */
var MAX_TAG_LENGTH = 255 - "sem.ch-run_sem-".length;

var ENV_COUNT_HINT = "set --join-ct=N to the number of peers on this node";

/** Where the size comes from, in ch-run's order (the first one set). */
var COUNT_VARIABLES = ["OMPI_COMM_WORLD_LOCAL_SIZE", "SLURM_STEP_TASKS_PER_NODE", "SLURM_CPUS_ON_NODE"];

/** The leading whole number of value, ignoring what follows (ch-run's
    lenient parse of the environment: "4foo" is 4), or NaN. */
function leadingInt(value: string): number {
  var r = strtol10(value);
  return r.end > 0 ? r.value : NaN;
}

/** Slurm's compressed per-node list, e.g. "2(x3),1" → [2, 2, 2, 1]; null
    if value is not one. */
export function expandSlurmList(value: string): number[] | null {
  if (!/^[0-9]+(\(x[0-9]+\))?(,[0-9]+(\(x[0-9]+\))?)*$/.test(value))
    return null;
  var out: number[] = [];
  var items = value.split(",");
  for (var i = 0; i < items.length; i++) {
    var m = /^([0-9]+)(?:\(x([0-9]+)\))?$/.exec(items[i]) as RegExpExecArray;
    var times = m[2] === undefined ? 1 : Number(m[2]);
    if (out.length + times > MAX_PEERS * 16)
      return null; // no allocation has that many nodes: not a list we trust
    for (var k = 0; k < times; k++)
      out.push(Number(m[1]));
  }
  return out;
}

/** This node's entry of SLURM_STEP_TASKS_PER_NODE: a step spread unevenly
    ("2(x3),1") has a count per node, indexed by SLURM_NODEID (ch-run takes
    the first node's for all). Anything else is parsed leniently. */
export function slurmTasksOnThisNode(value: string, nodeId: string | undefined): number {
  var counts = expandSlurmList(value);
  if (counts === null)
    return leadingInt(value);
  var same = true;
  for (var i = 1; i < counts.length; i++)
    same = same && counts[i] === counts[0];
  if (same)
    return counts[0];
  var where = "SLURM_STEP_TASKS_PER_NODE=" + value;
  if (nodeId === undefined || !/^[0-9]+$/.test(nodeId))
    fail("join: " + where + " differs between nodes but SLURM_NODEID is "
         + (nodeId === undefined ? "not set" : "'" + nodeId + "'"), undefined, { hint: ENV_COUNT_HINT });
  if (Number(nodeId) >= counts.length)
    fail("join: " + where + " lists " + counts.length + " nodes but SLURM_NODEID is " + nodeId, undefined,
         { hint: ENV_COUNT_HINT });
  return counts[Number(nodeId)];
}

function countFromEnvironment(env: Getenv): number {
  for (var i = 0; i < COUNT_VARIABLES.length; i++) {
    var name = COUNT_VARIABLES[i];
    var value = env(name);
    if (value === undefined)
      continue;
    log.verbose("join: peer group size from " + name);
    var n = name === "SLURM_STEP_TASKS_PER_NODE" ? slurmTasksOnThisNode(value, env("SLURM_NODEID"))
      : leadingInt(value);
    if (isNaN(n))
      fail(name + ": no digits found", undefined, { hint: name + " is '" + value + "'; " + ENV_COUNT_HINT });
    return checkCount(n, name, value, ENV_COUNT_HINT);
  }
  return fail("join: no valid peer group size found", undefined, {
    hint: "none of --join-ct, " + COUNT_VARIABLES.join(", ") + " is set; " + ENV_COUNT_HINT
      + ", or launch with srun or mpirun",
  });
}

/** A tag names the POSIX IPC objects /ch-run_sem-TAG and /ch-run_shm-TAG,
    so it must be a valid file name. source: the option or variable it came
    from. */
function checkTag(tag: string, source: string): string {
  var hint = "use a tag of letters, digits, '.', '_' or '-', e.g. --join-tag=job42";
  var from = source.charAt(0) === "-" ? source : "join: " + source;
  if (tag === "")
    fail("join: peer group tag cannot be empty string", undefined, { hint: source + " is empty; " + hint });
  if (tag.indexOf("/") >= 0)
    fail(from + ": invalid peer group tag '" + tag + "': it can't contain '/' (it names the POSIX IPC objects "
         + "/ch-run_sem-TAG and /ch-run_shm-TAG)", undefined, { hint: hint });
  if (tag.length > MAX_TAG_LENGTH)
    fail(from + ": invalid peer group tag '" + tag + "': longer than " + MAX_TAG_LENGTH + " characters",
         undefined, { hint: hint });
  return tag;
}

/** --join-tag, else the Slurm job step (SLURM_JOB_ID.SLURM_STEP_ID: step
    IDs alone repeat in every job, so two jobs sharing a node would share a
    container under ch-run's SLURM_STEP_ID), else our parent's PID (the
    launcher that started all peers, e.g. mpirun). */
function tagFrom(o: { joinTag?: string }, env: Getenv, ppid: number): string {
  if (o.joinTag !== undefined) {
    log.verbose("join: peer group tag from command line");
    return checkTag(o.joinTag, "--join-tag");
  }
  var step = env("SLURM_STEP_ID");
  if (step !== undefined) {
    checkTag(step, "SLURM_STEP_ID");
    var job = env("SLURM_JOB_ID");
    log.verbose("join: peer group tag from " + (job ? "SLURM_JOB_ID and " : "") + "SLURM_STEP_ID");
    return checkTag(job ? job + "." + step : step, "SLURM_JOB_ID");
  }
  log.verbose("join: peer group tag from getppid(2)");
  return String(ppid);
}

/** SKIFF_JOIN_TIMEOUT: seconds each wait of the protocol may take. */
export function timeoutMs(env: Getenv): number {
  var value = env("SKIFF_JOIN_TIMEOUT");
  if (value === undefined)
    return DEFAULT_TIMEOUT_S * 1000;
  if (!/^[0-9]+(\.[0-9]+)?$/.test(value) || Number(value) <= 0 || Number(value) > 86400)
    fail("SKIFF_JOIN_TIMEOUT: invalid timeout: '" + value + "'", undefined,
         { hint: "give seconds, more than 0 and at most 86400, e.g. SKIFF_JOIN_TIMEOUT=60 (default "
           + DEFAULT_TIMEOUT_S + ")" });
  return Number(value) * 1000;
}

/** The peer group to join, or undefined without --join (or with
    --join-pid, which joins one process and needs no group). */
export function joinPlan(o: { join: boolean; joinCt?: number; joinTag?: string; joinPid?: number },
                         env: Getenv, ppid: number): JoinPlan | undefined {
  if (!o.join || o.joinPid !== undefined)
    return undefined;
  if (o.joinTag !== undefined)
    checkTag(o.joinTag, "--join-tag");
  var count: number;
  if (o.joinCt !== undefined) {
    log.verbose("join: peer group size from command line");
    count = checkCount(o.joinCt, "--join-ct", String(o.joinCt), COUNT_HINT);
  } else {
    count = countFromEnvironment(env);
  }
  return { count: count, tag: tagFrom(o, env, ppid), timeoutMs: timeoutMs(env) };
}
