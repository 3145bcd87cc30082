// The --join protocol (src/join/), in-process: N peers, each a worker
// thread running the real code over a shared double of the few calls it
// makes (PeerSys below): /dev/shm is one name word, segments are shared
// buffers, futexes and atomics are Atomics, processes are live flags.
// A peer is "killed" at its kth call: it marks itself dead and stops
// dead, running nothing more, as after SIGKILL. For every k, whether the
// winner or a loser is killed: the others end, each in the winner's
// container or failing with a join: message, never waiting on the dead;
// the group's name is gone; and a new group with the same tag works.

import { after, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

import { Environment } from "../../src/env/environment.ts";
import { State } from "../../src/exec/state.ts";
import { joinBegin } from "../../src/join/begin.ts";
import { isFailure } from "../../src/log/fail.ts";
import type { Sys } from "../../src/sys/sys.ts";
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
    so that waiting for the dead shows; long where all must get in, as the
    threads are many and the cores few. */
const KILL_TIMEOUT_MS = 300;
const TIMEOUT_MS = 5000;

// The control words every peer shares.
const NAME = 0; // segment linked under FILE (0: none)
const NEXT = 1; // last segment made
const ALIVE = 2; // + peer: 1 while it runs
const NS = 10; // + peer: its namespaces (1: the host's; 100 + p: p's container)
const SIZE = 20; // + segment: its file size
const STARTED = 40; // workers ready to run
const GO = 41; // + peer: 1 once it may run (worker start-up is slow, and no part of the protocol)
const REAP = 50; // + peer: 1 once a dead peer's scenario is over
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
  /** Die at this call (0: never). */
  killAt: number;
  timeoutMs: number;
}

type Outcome = { peer: number; result: "ok"; winner: boolean; ns: number; who: string }
  | { peer: number; result: "failed"; message: string }
  | { peer: number; result: "dead" }
  | { peer: number; result: "reaped" }
  | { peer: number; result: "crashed"; message: string };

function pidOf(peer: number): number {
  return 1000 + peer;
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
          ? alloc({ kind: "stat", text: `${pidOf(peer)} (skiff) S${" 0".repeat(18)} ${5000 + peer} 0` })
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
  return new Proxy({ constants: C } as unknown as Sys, {
    get(target, name: string) {
      if (name === "constants")
        return C;
      const f = calls_[name];
      if (f === undefined)
        throw new Error("PeerSys: no " + name);
      return (...args: never[]) => {
        if (++calls === job.killAt) {
          // Killed: nothing more runs, no finally, no catch, until its
          // scenario is over; then the peer unwinds (calls all fail), so
          // that its worker can run the next one.
          Atomics.store(ctl, ALIVE + me, 0);
          parentPort!.postMessage({ peer: me, result: "dead" });
          Atomics.wait(ctl, REAP + me, 0);
        }
        if (calls >= job.killAt && job.killAt > 0)
          throw KILLED;
        return f(...args);
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
        Atomics.store(ctl, NS + job.peer, 100 + job.peer);
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
      return { peer: job.peer, result: "failed", message: e.message };
    return { peer: job.peer, result: "crashed", message: String((e as Error).stack ?? e) };
  }
}

// A worker runs peers one after another, until one is killed.
if (!isMainThread) {
  parentPort!.on("message", (job: Job) => {
    const ctl = new Int32Array(job.shared.ctl);
    Atomics.add(ctl, STARTED, 1);
    Atomics.wait(ctl, GO + job.peer, 0);
    parentPort!.postMessage(runPeer(job));
  });
}

//// The scenarios (main thread) ////////////////////////////////////////////

/** Every peer alive, on the host, not started. */
function reset(ctl: Int32Array): void {
  ctl[STARTED] = 0;
  for (let p = 0; p < PEERS; p++) {
    ctl[REAP + p] = 0;
    ctl[ALIVE + p] = 1;
    ctl[NS + p] = 1;
    ctl[GO + p] = 0;
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
  const ctl = new Int32Array(shared.ctl);
  reset(ctl);
  return shared;
}

/** Workers to run peers on, PEERS per group running at once. */
class Pool {
  private idle: Worker[] = [];

  private take(): Worker {
    // @ts-expect-error tsc takes test files for CommonJS; esbuild bundles them as ES modules
    return this.idle.pop() ?? new Worker(new URL(import.meta.url));
  }

  /** Run one peer; its worker goes back to the pool unless the peer was
      killed (it is stuck for good: terminated). */
  run(shared: Shared, peer: number, killAt: number, timeoutMs: number): Promise<Outcome> {
    const worker = this.take();
    const outcome = new Promise<Outcome>((resolve, reject) => {
      worker.once("message", (o: Outcome) => {
        worker.off("error", reject);
        resolve(o);
      });
      worker.once("error", reject);
    });
    worker.postMessage({ shared, peer, killAt, timeoutMs } as Job);
    return outcome.then((o) => {
      if (o.result === "dead")
        worker.once("message", () => this.idle.push(worker)); // reaped
      else
        this.idle.push(worker);
      return o;
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((w) => w.terminate()));
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
    group (or died trying); victim dies at its killAt-th call. */
async function group(shared: Shared, victim: number, killAt: number): Promise<Outcome[]> {
  const ctl = new Int32Array(shared.ctl);
  reset(ctl);
  const peers: Array<Promise<Outcome>> = [];
  for (let p = 0; p < PEERS; p++)
    peers.push(pool.run(shared, p, victim === p ? killAt : 0, victim < 0 ? TIMEOUT_MS : KILL_TIMEOUT_MS));
  let first: Outcome | null = null;
  void peers[0].then((o) => { first = o; });
  await until(() => Atomics.load(ctl, STARTED) === PEERS, 10_000);
  go(ctl, 0);
  await until(() => Atomics.load(ctl, NAME) !== 0 || first !== null, 5000);
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

/** What every group must come to, whoever died. */
function checkSurvivors(outs: Outcome[], what: string): void {
  const all = JSON.stringify(outs);
  for (const o of outs) {
    assert.notEqual(o.result, "crashed", `${what}: ${all}`);
    if (o.result === "failed")
      assert.match(o.message, /^join: /, `${what}: ${all}`);
  }
  const ok = outs.filter((o) => o.result === "ok") as Array<Extract<Outcome, { result: "ok" }>>;
  // All that got in are in one container, built by a winner, with its
  // environment changes and their own variables.
  assert.ok(new Set(ok.map((o) => o.ns)).size <= 1, `${what}: several containers: ${all}`);
  for (const o of ok) {
    assert.ok(o.ns >= 100, `${what}: peer ${o.peer} is in no container: ${all}`);
    assert.equal(o.who, `peer${o.peer} peer${o.ns - 100}`, `${what}: ${all}`);
  }
}

/** Killed at killAt: did the victim die there, and was the group's name
    left (for the next group to remove)? */
async function scenario(victim: number, killAt: number): Promise<{ died: boolean; left: boolean }> {
  const shared = newShared();
  const what = `${victim === 0 ? "winner" : "loser"} killed at call ${killAt}`;
  const outs = await group(shared, victim, killAt);
  checkSurvivors(outs, what);
  const died = outs[victim].result === "dead";
  const ctl = new Int32Array(shared.ctl);
  // Only a kill can leave the name: when it took the last peer that would
  // have removed it. The next group with the tag removes it, and works.
  const left = ctl[NAME] !== 0;
  assert.ok(!left || died, `${what}: the group's name is left: ${JSON.stringify(outs)}`);
  if (!left) {
    reap(shared);
    return { died, left };
  }
  const next = await group(shared, -1, 0);
  assert.deepEqual(next.map((o) => o.result), ["ok", "ok", "ok"], `${what}, then a new group: ${JSON.stringify(next)}`);
  assert.equal(ctl[NAME], 0, `${what}, then a new group: its name is left`);
  reap(shared);
  return { died, left };
}

if (isMainThread) {
  describe("--join protocol, in-process peers", () => {
    after(() => pool.close());

    test(`${PEERS} peers: one winner, all in its container, name removed`, async () => {
      const shared = newShared();
      const outs = await group(shared, -1, 0);
      checkSurvivors(outs, "no kill");
      assert.deepEqual(outs.map((o) => o.result), ["ok", "ok", "ok"], JSON.stringify(outs));
      assert.equal(outs.filter((o) => o.result === "ok" && o.winner).length, 1);
      assert.equal(new Int32Array(shared.ctl)[NAME], 0);
    });

    for (const [victim, role] of [[0, "the winner"], [1, "a loser"]] as Array<[number, string]>) {
      test(`${role} killed at each of its calls: the others end, nothing is left, the tag works again`,
           async (t) => {
        // Scenarios run BATCH at a time: most of their time is waiting.
        let k = 1;
        let left = 0;
        for (let more = true; more; k += BATCH) {
          const r = await Promise.all(Array.from({ length: BATCH }, (_, i) => scenario(victim, k + i)));
          more = r.every((x) => x.died);
          left += r.filter((x) => x.left).length;
        }
        assert.ok(k > 12, `only ${k} calls to be killed at`);
        // Only where the victim was the last peer that would have removed it.
        assert.ok(left <= 6, `${left} kills left the group's name`);
        t.diagnostic(`${role}: killed at each of its first ${k - BATCH}+ calls; ${left} kills left the name for `
                     + "the next group");
      });
    }
  });
}
