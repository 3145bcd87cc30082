// The --join protocol (src/join/), in-process: N peers, each a worker
// thread running the real code over a shared double of the few calls it
// makes (PeerSys below): /dev/shm is one name word, segments are shared
// buffers, futexes and atomics are Atomics, processes are live flags.
// A peer is "killed" at its kth call: it marks itself dead and stops
// dead, running nothing more, as after SIGKILL: at once, or late (once
// the others have taken their places in its group, or ended, so that they
// wait on it). For every k, whether the winner or a loser is killed, early
// or late: the others end, each in the winner's container or failing with
// a join: message (or ch-run's timeout waiting for join lock), never
// timing out on a peer that came and died; the group's name is gone; and a
// new group with the same tag works.
// Each group is a generation of processes: the same PIDs, reused, with
// start times of their own, as the kernel's would be.

import { after, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

import { Environment } from "../../src/env/environment.ts";
import { State } from "../../src/exec/state.ts";
import { joinBegin } from "../../src/join/begin.ts";
import { isFailure } from "../../src/log/fail.ts";
import type { Sys } from "../../src/sys/sys.ts";
import { SLICE_MS } from "../../src/join/wait.ts";
import { MACHINE_CONSTANTS as C } from "../lib/constants.ts";

/** As the binding throws them (src/log/fail.ts SysError); FakeSys's
    sysError() would bring all of FakeSys into each worker. */
function sysError(code: string, syscall: string, path?: string, path2?: string): Error {
  return Object.assign(new Error(syscall + ": " + (path ?? "") + (path2 ? " -> " + path2 : "") + ": " + code),
                       { syscall, code, errno: 0, strerror: code });
}

const PEERS = 3;
const TAG = "t";
const FILE = "/dev/shm/ch-run_shm-" + TAG;
/** How long peers wait (SKIFF_JOIN_TIMEOUT): short where some are killed,
    yet several of the protocol's looks for the dead (SLICE_MS), so that
    only waiting for the dead times out; long where all must get in, as
    the threads are many and the cores few. */
const KILL_TIMEOUT_MS = 6 * SLICE_MS;
const TIMEOUT_MS = 5000;

// The control words every peer shares.
const NAME = 0; // segment linked under FILE (0: none)
const NEXT = 1; // last segment made
const ALIVE = 2; // + peer: 1 while it runs
const NS = 10; // + peer: its namespaces (1: the host's; else containerNs())
const SIZE = 20; // + segment: its file size
const STARTED = 40; // workers ready to run
const GO = 41; // + peer: 1 once it may run (worker start-up is slow, and no part of the protocol)
const DYING = 45; // 1 once the victim has come to its kill
const REAP = 50; // + peer: 1 once a dead peer's scenario is over
const GENERATION = 60; // groups run so far over this buffer
const MEMBER = 61; // + peer: 1 + the segment in which it won or claimed a slot (0: none yet)
const ENDED = 70; // + peer: 1 once it has ended
/** How long a late victim waits for the others to take their places:
    they may never, if they have ended or wait for it to found the group. */
const LATE_WAIT_MS = 1000;
const SEGMENTS = 16;
/** Scenarios at once. */
const BATCH = 6;
const SEGMENT_BYTES = 16384;

interface Shared {
  ctl: SharedArrayBuffer;
  segments: SharedArrayBuffer[];
}

interface Job {
  shared: Shared;
  peer: number;
  /** Die at this call (0: never) ... */
  killAt: number;
  /** ... once the others are in its group or ended. */
  late: boolean;
  timeoutMs: number;
}

type Outcome = { peer: number; result: "ok"; winner: boolean; ns: number; who: string }
  | { peer: number; result: "failed"; message: string; member: number }
  | { peer: number; result: "dead" }
  | { peer: number; result: "reaped" }
  | { peer: number; result: "crashed"; message: string };

function pidOf(peer: number): number {
  return 1000 + peer;
}

/** The namespaces of the container peer builds in generation g. */
function containerNs(g: number, peer: number): number {
  return 1000 * g + 100 + peer;
}

//// The peer (a worker) ////////////////////////////////////////////////////

type FdEntry = { kind: "segment"; index: number } | { kind: "ns"; ns: number } | { kind: "stat"; text: string };

const KILLED = { killed: true };

function peerSys(job: Job): Sys {
  const ctl = new Int32Array(job.shared.ctl);
  const me = job.peer;
  const fds = new Map<number, FdEntry>();
  let nextFd = 3;
  let calls = 0;
  const alloc = (e: FdEntry): number => {
    fds.set(nextFd, e);
    return nextFd++;
  };
  const fd = (n: number): FdEntry => {
    const e = fds.get(n);
    if (e === undefined)
      throw sysError("EBADF", "fd");
    return e;
  };
  const segmentOf = (n: number): number => {
    const e = fd(n);
    if (e.kind !== "segment")
      throw sysError("EINVAL", "segment");
    return e.index;
  };
  const peerOfPath = (p: string): number => Number(/^\/proc\/(\d+)\//.exec(p)![1]) - 1000;
  const live = (peer: number): boolean => peer >= 0 && peer < PEERS && Atomics.load(ctl, ALIVE + peer) === 1;
  const i32 = (b: ArrayBuffer): Int32Array => new Int32Array(b);
  const startOf = (peer: number): number => 5000 + 10 * Atomics.load(ctl, GENERATION) + peer;
  const calls_: { [name: string]: (...a: never[]) => unknown } = {
    getpid: () => pidOf(me),
    monotonic: () => performance.now(),
    nanosleep: (ms: number) => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); },
    open: (p: string, flags: number) => {
      if (p === "/dev/shm" && (flags & C.O_TMPFILE) === C.O_TMPFILE) {
        const index = Atomics.add(ctl, NEXT, 1) + 1;
        assert.ok(index < SEGMENTS, "out of segments");
        return alloc({ kind: "segment", index });
      }
      if (p === FILE) {
        const index = Atomics.load(ctl, NAME);
        if (index === 0)
          throw sysError("ENOENT", "open", p);
        return alloc({ kind: "segment", index });
      }
      const m = /^\/proc\/(\d+)\/(stat|ns\/user|ns\/mnt)$/.exec(p);
      if (m && live(peerOfPath(p))) {
        const peer = peerOfPath(p);
        return m[2] === "stat"
          ? alloc({ kind: "stat", text: `${pidOf(peer)} (skiff) S${" 0".repeat(18)} ${startOf(peer)} 0` })
          : alloc({ kind: "ns", ns: Atomics.load(ctl, NS + peer) });
      }
      throw sysError("ENOENT", "open", p);
    },
    read: (n: number) => {
      const e = fd(n);
      return e.kind === "stat" ? e.text : "";
    },
    close: (n: number) => { fd(n); fds.delete(n); },
    fstat: (n: number) => {
      const e = fd(n);
      if (e.kind === "ns")
        return { ino: e.ns, dev: 2, size: 0, mode: 0, uid: 0, gid: 0, nlink: 1 };
      const index = segmentOf(n);
      return { ino: index, dev: 1, size: Atomics.load(ctl, SIZE + index), mode: 0o100600, uid: 0, gid: 0, nlink: 1 };
    },
    stat: (p: string) => {
      if (p === FILE) {
        const index = Atomics.load(ctl, NAME);
        if (index === 0)
          throw sysError("ENOENT", "stat", p);
        return { ino: index, dev: 1, size: Atomics.load(ctl, SIZE + index), mode: 0o100600, uid: 0, gid: 0,
                 nlink: 1 };
      }
      if (p === "/proc/self/ns/user" || p === "/proc/self/ns/mnt")
        return { ino: Atomics.load(ctl, NS + me), dev: 2, size: 0, mode: 0, uid: 0, gid: 0, nlink: 1 };
      throw sysError("ENOENT", "stat", p);
    },
    ftruncate: (n: number, size: number) => { Atomics.store(ctl, SIZE + segmentOf(n), size); },
    mmap: (n: number) => job.shared.segments[segmentOf(n)],
    munmap: () => undefined,
    linkat: (_d: number, from: string, _d2: number, to: string) => {
      assert.equal(to, FILE);
      const index = segmentOf(Number(/^\/proc\/self\/fd\/(\d+)$/.exec(from)![1]));
      if (Atomics.compareExchange(ctl, NAME, 0, index) !== 0)
        throw sysError("EEXIST", "linkat", from, to);
    },
    unlink: (p: string) => {
      assert.equal(p, FILE);
      if (Atomics.exchange(ctl, NAME, 0) === 0)
        throw sysError("ENOENT", "unlink", p);
    },
    pwrite: (n: number, data: string, offset: number) => {
      const index = segmentOf(n);
      const bytes = Buffer.from(data, "utf8");
      new Uint8Array(job.shared.segments[index]).set(bytes, offset);
      Atomics.store(ctl, SIZE + index, Math.max(Atomics.load(ctl, SIZE + index), offset + bytes.length));
      return bytes.length;
    },
    pread: (n: number, size: number, offset: number) =>
      Buffer.from(job.shared.segments[segmentOf(n)], offset, size).toString("utf8"),
    setns: (n: number) => {
      const e = fd(n);
      assert.equal(e.kind, "ns");
      Atomics.store(ctl, NS + me, (e as { ns: number }).ns);
    },
    atomic_add: (b: ArrayBuffer, at: number, delta: number) => Atomics.add(i32(b), at / 4, delta),
    atomic_cas: (b: ArrayBuffer, at: number, expected: number, desired: number) =>
      Atomics.compareExchange(i32(b), at / 4, expected, desired),
    futex_wait: (b: ArrayBuffer, at: number, expected: number, ms: number) => {
      const r = Atomics.wait(i32(b), at / 4, expected, ms);
      if (r !== "ok")
        throw sysError(r === "timed-out" ? "ETIMEDOUT" : "EAGAIN", "futex_wait");
    },
    futex_wake: (b: ArrayBuffer, at: number, count: number) => Atomics.notify(i32(b), at / 4, count),
  };
  /** Membership, for telling waiting on the dead from waiting for peers
      that never came: the winner is a member once its link is made, a
      loser once its pid is in a slot. */
  const noteMembership = (name: string, args: unknown[], r: unknown): void => {
    if (name === "linkat")
      Atomics.store(ctl, MEMBER + me, 1 + segmentOf(Number(/\d+$/.exec(args[1] as string)![0])));
    else if (name === "atomic_cas" && args[3] === pidOf(me) && r === args[2])
      Atomics.store(ctl, MEMBER + me, 1 + job.shared.segments.indexOf(args[0] as SharedArrayBuffer));
  };
  const othersIn = (): boolean => {
    for (let p = 0; p < PEERS; p++) {
      if (p !== me && Atomics.load(ctl, MEMBER + p) === 0 && Atomics.load(ctl, ENDED + p) === 0)
        return false;
    }
    return true;
  };
  return new Proxy({} as unknown as Sys, {
    get(target, name: string) {
      const f = calls_[name];
      if (f === undefined)
        throw new Error("PeerSys: no " + name);
      return (...args: never[]) => {
        if (++calls === job.killAt) {
          Atomics.store(ctl, DYING, 1);
          const until = performance.now() + LATE_WAIT_MS;
          while (job.late && !othersIn() && performance.now() < until)
            Atomics.wait(ctl, DYING, 1, 2);
          // Killed: nothing more runs, no finally, no catch, until its
          // scenario is over; then the peer unwinds (calls all fail), so
          // that its worker can run the next one.
          Atomics.store(ctl, ALIVE + me, 0);
          parentPort!.postMessage({ peer: me, result: "dead" });
          Atomics.wait(ctl, REAP + me, 0);
        }
        if (calls >= job.killAt && job.killAt > 0)
          throw KILLED;
        const r = f(...args);
        noteMembership(name, args, r);
        return r;
      };
    },
  });
}

function runPeer(job: Job): Outcome {
  const sys = peerSys(job);
  const ctl = new Int32Array(job.shared.ctl);
  const st = { sys, newroot: "/", scratch: null, bindPaths: [],
               env: Environment.fromList(["WHO=peer" + job.peer]) } as unknown as State;
  try {
    const group = joinBegin(sys, { tag: TAG, count: PEERS, timeoutMs: job.timeoutMs });
    group.guard(() => {
      if (group.winner) {
        sys.getpid(); // "building the container": a call to be killed at
        Atomics.store(ctl, NS + job.peer, containerNs(Atomics.load(ctl, GENERATION), job.peer));
        st.env.set("BUILT_BY", "peer" + job.peer);
      } else {
        group.enter(st);
      }
      group.end(st, ["WHO=peer" + job.peer]);
    });
    return { peer: job.peer, result: "ok", winner: group.winner, ns: Atomics.load(ctl, NS + job.peer),
             who: st.env.get("WHO") + " " + st.env.get("BUILT_BY") };
  } catch (e) {
    if (e === KILLED)
      return { peer: job.peer, result: "reaped" };
    if (isFailure(e))
      return { peer: job.peer, result: "failed", message: e.message, member: Atomics.load(ctl, MEMBER + job.peer) };
    return { peer: job.peer, result: "crashed", message: String((e as Error).stack ?? e) };
  }
}

// A worker runs peers one after another, until one is killed.
if (!isMainThread) {
  parentPort!.on("message", (job: Job) => {
    const ctl = new Int32Array(job.shared.ctl);
    Atomics.add(ctl, STARTED, 1);
    Atomics.wait(ctl, GO + job.peer, 0);
    const outcome = runPeer(job);
    Atomics.store(ctl, ENDED + job.peer, 1);
    parentPort!.postMessage(outcome);
  });
}

//// The scenarios (main thread) ////////////////////////////////////////////

/** A new generation: every peer alive, on the host, not started. */
function reset(ctl: Int32Array): void {
  ctl[GENERATION]++;
  ctl[STARTED] = 0;
  ctl[DYING] = 0;
  for (let p = 0; p < PEERS; p++) {
    ctl[REAP + p] = 0;
    ctl[ALIVE + p] = 1;
    ctl[NS + p] = 1;
    ctl[GO + p] = 0;
    ctl[MEMBER + p] = 0;
    ctl[ENDED + p] = 0;
  }
}

function go(ctl: Int32Array, peer: number): void {
  Atomics.store(ctl, GO + peer, 1);
  Atomics.notify(ctl, GO + peer);
}

function newShared(): Shared {
  const shared = { ctl: new SharedArrayBuffer(4096), segments: [] as SharedArrayBuffer[] };
  for (let i = 0; i < SEGMENTS; i++)
    shared.segments.push(new SharedArrayBuffer(SEGMENT_BYTES));
  return shared;
}

/** Workers to run peers on, PEERS per group running at once. */
class Pool {
  private idle: Worker[] = [];
  private all: Worker[] = [];

  private take(): Worker {
    const reused = this.idle.pop();
    if (reused !== undefined)
      return reused;
    // @ts-expect-error tsc takes test files for CommonJS; esbuild bundles them as ES modules
    const worker = new Worker(new URL(import.meta.url));
    this.all.push(worker);
    return worker;
  }

  /** Run one peer; its worker goes back to the pool once the peer has
      ended, or if it was killed, been reaped. */
  run(job: Job): Promise<Outcome> {
    const worker = this.take();
    const outcome = new Promise<Outcome>((resolve, reject) => {
      worker.once("message", (o: Outcome) => {
        worker.off("error", reject);
        resolve(o);
      });
      worker.once("error", reject);
    });
    worker.postMessage(job);
    return outcome.then((o) => {
      if (o.result === "dead")
        worker.once("message", () => this.idle.push(worker)); // reaped
      else
        this.idle.push(worker);
      return o;
    });
  }

  /** Every worker, busy or not: one whose peer is still dead (a test
      that failed midway) would keep the process alive. */
  async close(): Promise<void> {
    this.idle = [];
    await Promise.all(this.all.splice(0).map((w) => w.terminate()));
  }
}

const pool = new Pool();

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what + ": still running after " + ms + " ms")), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(f: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!f() && Date.now() < end)
    await new Promise((r) => setTimeout(r, 1));
}

/** A group of PEERS: peer 0 first, the others once it has published its
    group (or died trying, or come to its kill); victim dies at its
    killAt-th call, late or not. */
async function group(shared: Shared, victim: number, killAt: number, late: boolean): Promise<Outcome[]> {
  const ctl = new Int32Array(shared.ctl);
  reset(ctl);
  const peers: Array<Promise<Outcome>> = [];
  for (let p = 0; p < PEERS; p++)
    peers.push(pool.run({ shared, peer: p, killAt: victim === p ? killAt : 0, late,
                          timeoutMs: victim < 0 ? TIMEOUT_MS : KILL_TIMEOUT_MS }));
  let first: Outcome | null = null;
  void peers[0].then((o) => { first = o; });
  await until(() => Atomics.load(ctl, STARTED) === PEERS, 10_000);
  go(ctl, 0);
  await until(() => Atomics.load(ctl, NAME) !== 0 || first !== null || Atomics.load(ctl, DYING) !== 0, 5000);
  for (let p = 1; p < PEERS; p++)
    go(ctl, p);
  return await within(Promise.all(peers), 10_000, `victim ${victim} killed at ${killAt}`);
}

/** End a scenario: its dead peers unwind, freeing their workers. */
function reap(shared: Shared): void {
  const ctl = new Int32Array(shared.ctl);
  for (let p = 0; p < PEERS; p++) {
    Atomics.store(ctl, REAP + p, 1);
    Atomics.notify(ctl, REAP + p);
  }
}

const PEERS_BY_NS = new Map(Array.from({ length: PEERS }, (_, p) => [containerNs(0, p), p]));

/** What every group of a generation must come to, whoever died. */
function checkSurvivors(outs: Outcome[], ctl: Int32Array, what: string): void {
  const all = JSON.stringify(outs);
  const generation = ctl[GENERATION];
  const deadMembers = outs.filter((o) => o.result === "dead").map((o) => ctl[MEMBER + o.peer]).filter((m) => m > 0);
  for (const o of outs) {
    assert.notEqual(o.result, "crashed", `${what}: ${all}`);
    if (o.result !== "failed")
      continue;
    assert.match(o.message, /^(join: |timeout waiting for join lock$)/, `${what}: ${all}`);
    // A peer that never came is a timeout; one that came and died is not.
    if (/timed out|timeout/.test(o.message))
      assert.ok(!deadMembers.includes(o.member), `${what}: peer ${o.peer} waited for a dead peer: ${all}`);
  }
  const ok = outs.filter((o) => o.result === "ok") as Array<Extract<Outcome, { result: "ok" }>>;
  // All that got in are in one container, built by a winner of this
  // generation, with its environment changes and their own variables.
  assert.ok(new Set(ok.map((o) => o.ns)).size <= 1, `${what}: several containers: ${all}`);
  for (const o of ok) {
    const builder = PEERS_BY_NS.get(o.ns - 1000 * generation);
    assert.ok(builder !== undefined, `${what}: peer ${o.peer} is in no container of this generation: ${all}`);
    assert.equal(o.who, `peer${o.peer} peer${builder}`, `${what}: ${all}`);
  }
}

/** Killed at killAt: did the victim die there, and was the group's name
    left (for the next group to remove)? */
async function scenario(victim: number, killAt: number, late: boolean): Promise<{ died: boolean; left: boolean }> {
  const shared = newShared();
  const ctl = new Int32Array(shared.ctl);
  const what = `${victim === 0 ? "winner" : "loser"} killed ${late ? "late " : ""}at call ${killAt}`;
  try {
    const outs = await group(shared, victim, killAt, late);
    checkSurvivors(outs, ctl, what);
    const died = outs[victim].result === "dead";
    // Only a kill can leave the name: when it took the last peer that
    // would have removed it. The next group with the tag, a generation
    // later, removes it, and works.
    const left = ctl[NAME] !== 0;
    assert.ok(!left || died, `${what}: the group's name is left: ${JSON.stringify(outs)}`);
    if (left) {
      const next = await group(shared, -1, 0, false);
      checkSurvivors(next, ctl, what + ", then a new group");
      assert.deepEqual(next.map((o) => o.result), ["ok", "ok", "ok"],
                       `${what}, then a new group: ${JSON.stringify(next)}`);
      assert.equal(ctl[NAME], 0, `${what}, then a new group: its name is left`);
    }
    return { died, left };
  } finally {
    reap(shared);
  }
}

if (isMainThread) {
  describe("--join protocol, in-process peers", () => {
    after(() => pool.close());

    test(`${PEERS} peers: one winner, all in its container, name removed`, async () => {
      const shared = newShared();
      const outs = await group(shared, -1, 0, false);
      checkSurvivors(outs, new Int32Array(shared.ctl), "no kill");
      assert.deepEqual(outs.map((o) => o.result), ["ok", "ok", "ok"], JSON.stringify(outs));
      assert.equal(outs.filter((o) => o.result === "ok" && o.winner).length, 1);
      assert.equal(new Int32Array(shared.ctl)[NAME], 0);
    });

    for (const [victim, role] of [[0, "the winner"], [1, "a loser"]] as Array<[number, string]>) {
      for (const late of [false, true]) {
        test(`${role} killed at each of its calls${late ? ", once the others are in" : ""}: the others end, `
             + "nothing is left, the tag works again", async (t) => {
          // Scenarios run BATCH at a time: most of their time is waiting.
          let calls = 0;
          let left = 0;
          for (let k = 1; calls === k - 1; k += BATCH) {
            const r = await Promise.all(Array.from({ length: BATCH }, (_, i) => scenario(victim, k + i, late)));
            for (let i = 0; i < BATCH && r[i].died && calls === k + i - 1; i++)
              calls++;
            left += r.filter((x) => x.left).length;
          }
          assert.ok(calls >= 12, `only ${calls} calls to be killed at`);
          // Only where the victim was the last peer that would have removed it.
          assert.ok(left <= 6, `${left} kills left the group's name`);
          t.diagnostic(`killed at each of its ${calls} calls; ${left} kills left the name for the next group`);
        });
      }
    }
  });
}
