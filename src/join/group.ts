// The --join protocol (doc/join.md §5; ch_core.c's join_begin(), join_end()):
// the first peer of a group (the winner) builds the container, the others
// (losers) join its user and mount namespaces once it is complete, and the
// last peer removes the group's POSIX IPC objects, /ch-run_sem-TAG and
// /ch-run_shm-TAG (segment.ts has the layout).
//
// Unlike ch-run's, no peer can wait on a dead one:
// - The segment appears complete or not at all: it is made as an unnamed
//   file (O_TMPFILE) and linked into /dev/shm, as glibc's sem_open() does;
//   the link that succeeds makes the winner. It names the winner (PID and
//   start time), so a crashed group is told from a live one and replaced.
// - The semaphore is made with no tokens and the winner posts one per peer
//   when its container is complete: it "holds the lock" until then, as in
//   ch_core.c. But it only wakes losers: what they wait for is state in the
//   segment, changed with atomic operations, and they also look every
//   SLICE_MS for a dead winner, so a winner killed at any point costs them
//   at most SLICE_MS, not the timeout. Peers then wait for each other on a
//   futex in the segment.
// - Any peer that fails before the group is complete records why and
//   fails the group: the others fail at once with that message, and the
//   last one out removes the IPC objects.
// - The winner runs its command only once all peers are in its container
//   (MPI ranks wait for each other in MPI_Init anyway), so its namespaces
//   can't vanish under a late peer, and a wrong group size is a timeout
//   that says how many peers came, not a leak. Losers start theirs at once.

import { Environment } from "../env/environment";
import { joinNamespaces } from "../exec/namespaces";
import { State } from "../exec/state";
import { fail, isErrno, isFailure, isSysError } from "../log/fail";
import * as log from "../log/log";
import { JoinPlan } from "../plan/plan";
import { Sys } from "../sys/sys";
import { isAlive, startTime } from "./proc";
import {
  D_CONTAINER_START, D_MNTNS, D_USERNS, D_WINNER_START, FAILED_OTHER, FAILED_WAITING, fixedSize, MAGIC,
  Segment, SLOT_ARRIVED, SLOT_CLAIMED, SLOT_DONE, STATE_FAILED, STATE_INIT, STATE_READY, VERSION, W_ARRIVED,
  W_CONTAINER_PID, W_COUNT, W_ENV_BYTES, W_FAIL_CLAIM, W_FAIL_KIND, W_GENERATION, W_MAGIC, W_RETIRED, W_STATE,
  W_VERSION, W_WINNER_PID,
} from "./segment";

/** How often waiters look for dead peers. */
var SLICE_MS = 100;

var TIMEOUT_HINT = "SKIFF_JOIN_TIMEOUT sets how long peers wait (seconds; default 30)";
var SIZE_HINT = "the peer group size (--join-ct, else OMPI_COMM_WORLD_LOCAL_SIZE, SLURM_STEP_TASKS_PER_NODE or "
  + "SLURM_CPUS_ON_NODE) must be the number of peers on this node; " + TIMEOUT_HINT;

interface Names {
  tag: string;
  sem: string;
  shm: string;
  /** The segment's file, as glibc's shm_open() names it. */
  file: string;
}

function namesOf(tag: string): Names {
  return { tag: tag, sem: "/ch-run_sem-" + tag, shm: "/ch-run_shm-" + tag, file: "/dev/shm/ch-run_shm-" + tag };
}

/** One line for another peer to print: the message of a Failure, with its
    strerror, or what else stopped us. */
function describe(e: unknown): { text: string; hint?: string } {
  if (isFailure(e))
    return { text: e.message + (e.strerror ? ": " + e.strerror : ""), hint: e.hint };
  if (isSysError(e))
    return { text: e.message };
  if (typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "number")
    return { text: "exited with status " + (e as { code: number }).code };
  return { text: String(e) };
}

function ownerHint(n: Names): string {
  return "another user's peer group has tag " + n.tag + ": choose another --join-tag";
}

function unlinkQuietly(f: () => void, what: string): void {
  try {
    f();
  } catch (e) {
    if (!isErrno(e, "ENOENT"))
      log.warning("join: can't unlink " + what + ": " + describe(e).text);
  }
}

export class PeerGroup {
  private sem: NativeSemaphore | null = null;
  private finished = false;

  constructor(private sys: Sys, private plan: JoinPlan, private names: Names, private fd: number,
              private seg: Segment, private slot: number, public winner: boolean) {}

  private count(): number {
    return this.seg.count();
  }

  /** Open the semaphore losers wait on for the winner. */
  openSemaphore(): void {
    var n = this.names;
    var sys = this.sys;
    this.sem = this.guard(function () {
      try {
        return sys.sem_open(n.sem, sys.constants.O_CREAT, 384, 0); // 0600
      } catch (e) {
        return fail("join: can't open semaphore " + n.sem, e, isErrno(e, "EACCES") ? { hint: ownerHint(n) } : {});
      }
    });
  }

  /** Losers waiting for the winner: one token each, at most count - 1. */
  private wakeLosers(): void {
    if (this.sem === null)
      return;
    for (var i = 0; i < this.count(); i++)
      this.sys.sem_post(this.sem);
  }

  /** Peers waiting for each other: bump the generation they sleep on. */
  private wakePeers(): void {
    this.seg.add(W_GENERATION, 1);
    this.sys.futex_wake(this.seg.buffer, W_GENERATION * 4, 0x7fffffff);
  }

  private wakeAll(): void {
    this.wakeLosers();
    this.wakePeers();
  }

  /** Run f; if it throws, fail the group (unless complete) and leave it. */
  guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      this.abandon(e);
      throw e;
    }
  }

  /** Loser: wait until the winner's container is complete, then join its
      namespaces and take its container environment. */
  enter(st: State): void {
    var self = this;
    var seg = this.seg;
    this.wait("winner", function () { return seg.load(W_STATE) === STATE_READY; }, function () {
      var w = winnerOf(self.sys, seg);
      if (!w.alive)
        self.groupFails(FAILED_OTHER, "winner pid " + w.pid + " died before its container was complete");
    }, function () {
      self.groupFails(FAILED_WAITING, "timed out after " + self.plan.timeoutMs / 1000 + " s waiting for winner pid "
                      + winnerOf(self.sys, seg).pid + " to build the container",
                      "is the winner stuck, or is its set-up slow (e.g. SquashFS on a slow file system)? "
                      + TIMEOUT_HINT);
    });
    var pid = seg.load(W_CONTAINER_PID);
    var bytes = seg.load(W_ENV_BYTES);
    if (bytes < 0 || fixedSize(this.count()) + bytes > this.sys.fstat(this.fd).size)
      this.groupFails(FAILED_OTHER, "the winner's environment in " + this.names.file + " is truncated");
    var changes = bytes === 0 ? "" : this.sys.pread(this.fd, bytes, fixedSize(this.count()));
    joinNamespaces(this.sys, pid, function (type, ns) {
      if (ns.ino !== seg.getD(type === "user" ? D_USERNS : D_MNTNS))
        self.groupFails(FAILED_OTHER, "winner pid " + pid + " is no longer in the container it built (its " + type
                        + " namespace changed: did it die and its PID get reused?)");
    });
    applyChanges(st.env, changes === "" ? [] : changes.split("\0"));
  }

  /** ch_core.c's join_end(): the winner publishes its container; then every
      peer counts itself in, and the winner waits for the rest; the last one
      in removes the IPC objects. hostEnviron is the environment we started
      with. */
  end(st: State, hostEnviron: string[]): void {
    var self = this;
    var sys = this.sys;
    var seg = this.seg;
    var count = this.count();
    if (this.winner) {
      log.verbose("join: winner initializing shared data");
      var env = environmentChanges(Environment.fromList(hostEnviron), st.env).join("\0");
      seg.set(W_ENV_BYTES, env === "" ? 0 : sys.pwrite(this.fd, env, fixedSize(count)));
      var me = sys.getpid();
      seg.setD(D_CONTAINER_START, startTime(sys, me) as number);
      seg.setD(D_USERNS, sys.stat("/proc/self/ns/user").ino);
      seg.setD(D_MNTNS, sys.stat("/proc/self/ns/mnt").ino);
      seg.set(W_CONTAINER_PID, me);
      seg.touch();
      if (!seg.cas(W_STATE, STATE_INIT, STATE_READY))
        this.groupFailed();
      this.wakeLosers();
    }
    var arrived = seg.add(W_ARRIVED, 1) + 1;
    // A loser in the container is done with the group; the winner stays
    // until all are in, since they join it by its PID.
    this.setSlotStatus(this.winner ? SLOT_ARRIVED : SLOT_DONE);
    seg.touch();
    log.verbose("join: " + (count - arrived) + " peers left excluding myself");
    if (arrived === count) {
      this.retire();
      this.wakePeers();
    } else if (this.winner) {
      this.wait("peers", function () { return seg.load(W_ARRIVED) >= count; }, function () {
        self.checkPeersAlive();
      }, function () {
        self.groupFails(FAILED_WAITING, "timed out after " + self.plan.timeoutMs / 1000 + " s waiting for peers: "
                        + seg.load(W_ARRIVED) + " of " + count + " joined", SIZE_HINT);
      });
    }
    this.close();
    log.verbose("join: done");
  }

  /** The winner's wait: a peer that claimed a place but died before
      joining will never come. */
  private checkPeersAlive(): void {
    for (var i = 1; i < this.count(); i++) {
      var pid = this.seg.load(this.seg.slotPidWord(i));
      if (pid !== 0 && this.seg.load(this.seg.slotStatusWord(i)) === SLOT_CLAIMED
          && !isAlive(this.sys, pid, this.seg.slotStart(i)))
        this.groupFails(FAILED_OTHER, "peer pid " + pid + " died before joining the container");
    }
  }

  /** Wait until done(), failing at once if the group fails, looking for
      dead peers with check() every SLICE_MS, and calling timedOut() (which
      must throw) after the plan's timeout. Losers wait for the "winner" on
      the semaphore, as in ch_core.c; the winner waits for its "peers" on a
      futex, so that it can't take the semaphore's tokens meant for them. */
  private wait(what: "winner" | "peers", done: () => boolean, check: () => void, timedOut: () => void): void {
    var sys = this.sys;
    var deadline = sys.monotonic() + this.plan.timeoutMs;
    var nextCheck = sys.monotonic() + SLICE_MS;
    for (;;) {
      // Read before done(): a change after it makes futex_wait return.
      var generation = this.seg.load(W_GENERATION);
      if (done())
        return;
      if (this.seg.load(W_STATE) === STATE_FAILED)
        this.groupFailed();
      var now = sys.monotonic();
      if (now >= nextCheck) {
        check();
        nextCheck = now + SLICE_MS;
      }
      if (now >= deadline)
        timedOut();
      var ms = Math.max(1, Math.min(SLICE_MS, deadline - now));
      try {
        if (what === "winner")
          sys.sem_timedwait(this.sem as NativeSemaphore, ms);
        else
          sys.futex_wait(this.seg.buffer, W_GENERATION * 4, generation, ms);
      } catch (e) {
        if (!isErrno(e, "ETIMEDOUT", "EAGAIN"))
          fail("join: failure waiting for " + (what === "winner" ? "join lock" : "peers"), e);
      }
    }
  }

  /** Record text (and hint) as the group's failure and fail with it. */
  private groupFails(kind: number, text: string, hint?: string): never {
    markFailed(this.seg, kind, text + (hint ? "\n" + hint : ""));
    this.wakeAll();
    return fail("join: " + text, undefined, hint ? { hint: hint } : undefined);
  }

  /** A newcomer to a failed group: leave it, failing as it did. */
  reportFailure(): never {
    var self = this;
    return this.guard(function () { return self.groupFailed(); });
  }

  /** Fail with the failure some peer recorded. */
  private groupFailed(): never {
    var text = this.seg.message();
    var nl = text.indexOf("\n");
    return fail("join: " + (nl < 0 ? text : text.slice(0, nl)), undefined,
                nl < 0 ? undefined : { hint: text.slice(nl + 1) });
  }

  private setSlotStatus(status: number): void {
    if (this.slot < 0)
      return;
    var word = this.seg.slotStatusWord(this.slot);
    var old = this.seg.load(word);
    this.seg.cas(word, old, status);
  }

  /** We stop, because of e: unless the group is complete, it fails; we
      leave it, and if we are the last to, remove the IPC objects. */
  abandon(e: unknown): void {
    if (this.finished)
      return;
    var d = describe(e);
    if (markFailed(this.seg, FAILED_OTHER, (this.winner ? "winner" : "peer") + " pid " + this.sys.getpid() + " failed: "
                   + d.text + (d.hint ? "\n" + d.hint : "")))
      log.verbose("join: released the peer group");
    this.wakeAll();
    this.setSlotStatus(SLOT_DONE);
    if (lastOut(this.sys, this.seg))
      this.retire();
    this.close();
  }

  private retire(): void {
    retire(this.sys, this.seg, this.names);
  }

  private close(): void {
    this.finished = true;
    this.sys.munmap(this.seg.buffer);
    this.sys.close(this.fd);
    if (this.sem !== null)
      this.sys.sem_close(this.sem);
  }
}

/** ch_core.c's join_env_save(), per peer: what building the container did
    to the winner's environment (HOME, PATH, TMPDIR, --set-env,
    --unset-env, CH_RUNNING), as NAME=VALUE to set and NAME to unset. A
    loser applies these to its own environment, so all peers see the same
    container environment, yet each keeps the variables its launcher set
    for it alone (OMPI_COMM_WORLD_RANK, PMIX_RANK, SLURM_PROCID, ...): a
    copy of the winner's whole environment would make every rank the
    winner's. */
function environmentChanges(before: Environment, after: Environment): string[] {
  var out: string[] = [];
  var names = after.names();
  for (var i = 0; i < names.length; i++)
    if (before.get(names[i]) !== after.get(names[i]))
      out.push(names[i] + "=" + after.get(names[i]));
  names = before.names();
  for (var j = 0; j < names.length; j++)
    if (after.get(names[j]) === undefined)
      out.push(names[j]);
  return out;
}

function applyChanges(env: Environment, changes: string[]): void {
  for (var i = 0; i < changes.length; i++) {
    var eq = changes[i].indexOf("=");
    if (eq < 0)
      env.unset(changes[i]);
    else
      env.set(changes[i].slice(0, eq), changes[i].slice(eq + 1));
  }
}

/** Record text as the group's failure, unless it is complete (then there
    is no one left to tell) or failed already. True if recorded. */
function markFailed(seg: Segment, kind: number, text: string): boolean {
  if (seg.load(W_ARRIVED) >= seg.count() || !seg.cas(W_FAIL_CLAIM, 0, 1))
    return false;
  seg.set(W_FAIL_KIND, kind);
  seg.setMessage(text);
  seg.touch();
  for (;;) {
    var state = seg.load(W_STATE);
    if (seg.cas(W_STATE, state, STATE_FAILED))
      return true;
  }
}

/** After a failure: has every peer that came left or died, and (unless
    they gave up waiting for the others) have all come? */
function lastOut(sys: Sys, seg: Segment): boolean {
  for (var i = 0; i < seg.count(); i++) {
    var pid = seg.load(seg.slotPidWord(i));
    if (pid === 0 && seg.load(W_FAIL_KIND) === FAILED_WAITING)
      continue;
    if (pid === 0)
      return false;
    if (seg.load(seg.slotStatusWord(i)) === SLOT_DONE)
      continue;
    if (i === 0 ? winnerOf(sys, seg).alive : isAlive(sys, pid, seg.slotStart(i)))
      return false;
  }
  return true;
}

/** Unlink the group's names, once: the semaphore first, so that whoever
    finds a new segment under the name also gets a new semaphore. */
function retire(sys: Sys, seg: Segment, n: Names): boolean {
  if (!seg.cas(W_RETIRED, 0, 1))
    return false;
  log.verbose("join: cleaning up IPC resources");
  unlinkQuietly(function () { sys.sem_unlink(n.sem); }, "semaphore " + n.sem);
  unlinkQuietly(function () { sys.shm_unlink(n.shm); }, "shared memory " + n.shm);
  return true;
}

/** Try to found the group: a complete segment linked in under the name,
    or null if one is there already. */
function publish(sys: Sys, plan: JoinPlan, n: Names): PeerGroup | null {
  var c = sys.constants;
  var size = fixedSize(plan.count);
  var fd: number;
  try {
    fd = sys.open("/dev/shm", c.O_TMPFILE | c.O_RDWR, 384); // 0600
  } catch (e) {
    return fail("join: can't create shared memory in /dev/shm", e,
                { hint: "--join needs /dev/shm, a tmpfs (Linux 3.11 or later for O_TMPFILE)" });
  }
  var seg: Segment | null = null;
  try {
    sys.ftruncate(fd, size);
    seg = new Segment(sys, sys.mmap(fd, size));
    var me = sys.getpid();
    var start = startTime(sys, me) as number;
    seg.set(W_MAGIC, MAGIC);
    seg.set(W_VERSION, VERSION);
    seg.set(W_COUNT, plan.count);
    seg.set(W_STATE, STATE_INIT);
    seg.set(W_WINNER_PID, me);
    seg.setD(D_WINNER_START, start);
    seg.set(seg.slotPidWord(0), me);
    seg.set(seg.slotStatusWord(0), SLOT_CLAIMED);
    seg.setSlotStart(0, start);
    seg.touch();
    sys.linkat(c.AT_FDCWD, "/proc/self/fd/" + fd, c.AT_FDCWD, n.file, c.AT_SYMLINK_FOLLOW);
  } catch (e) {
    if (seg !== null)
      sys.munmap(seg.buffer);
    sys.close(fd);
    if (isErrno(e, "EEXIST"))
      return null;
    return fail("join: can't create " + n.file, e);
  }
  log.verbose("join: I won");
  return new PeerGroup(sys, plan, n, fd, seg, 0, true);
}

type Found = { fd: number; seg: Segment };

/** Map the group's segment, or null if it is gone. */
function openSegment(sys: Sys, n: Names): Found | null {
  var fd: number;
  try {
    fd = sys.shm_open(n.shm, sys.constants.O_RDWR, 0);
  } catch (e) {
    if (isErrno(e, "ENOENT"))
      return null;
    return fail("join: can't open " + n.file, e, isErrno(e, "EACCES") ? { hint: ownerHint(n) } : {});
  }
  var size = sys.fstat(fd).size;
  var problem = size < fixedSize(0) ? "not made by skiff (" + size + " bytes)" : null;
  var seg = problem === null ? new Segment(sys, sys.mmap(fd, size)) : null;
  if (seg !== null)
    problem = seg.problem(size);
  if (problem !== null) {
    if (seg !== null)
      sys.munmap(seg.buffer);
    sys.close(fd);
    fail("join: " + n.file + " is not a skiff peer group: " + problem, undefined,
         { hint: "ch-run and skiff can't share a peer group; if nothing uses it, remove it (and "
           + "/dev/shm/sem.ch-run_sem-" + n.tag + "), or choose another --join-tag" });
  }
  return { fd: fd, seg: seg as Segment };
}

/** Join the group as a loser: claim a free slot, or -1 if there is none. */
function claimSlot(sys: Sys, seg: Segment): number {
  var me = sys.getpid();
  for (var i = 1; i < seg.count(); i++) {
    if (seg.cas(seg.slotPidWord(i), 0, me)) {
      seg.setSlotStart(i, startTime(sys, me) as number);
      seg.cas(seg.slotStatusWord(i), 0, SLOT_CLAIMED);
      seg.touch();
      return i;
    }
  }
  return -1;
}

/** The process whose namespaces peers join (until it is known, the one
    building it: slot 0's, or after a SquashFS fork its parent), and
    whether it is still running. */
function winnerOf(sys: Sys, seg: Segment): { pid: number; alive: boolean } {
  var pid = seg.load(W_CONTAINER_PID);
  if (pid !== 0)
    return { pid: pid, alive: isAlive(sys, pid, seg.getD(D_CONTAINER_START)) };
  pid = seg.load(W_WINNER_PID);
  return { pid: pid, alive: isAlive(sys, pid, seg.getD(D_WINNER_START)) };
}

/** ch_core.c's join_begin(): found the group, or join the one there. A
    group whose winner is gone, or that failed, fails a newcomer within a
    timeout of its last change (it is most likely a late peer of that
    group), and after that is stale: it is removed and founded anew. */
export function joinBegin(sys: Sys, plan: JoinPlan): PeerGroup {
  var n = namesOf(plan.tag);
  var deadline = sys.monotonic() + plan.timeoutMs;
  for (;;) {
    // Most peers are losers: look for the group before trying to found it.
    var found = openSegment(sys, n);
    var outcome = found === null ? "again" : examine(sys, plan, n, found);
    var g = typeof outcome !== "string" ? outcome : found === null ? publish(sys, plan, n) : null;
    if (g !== null) {
      g.openSemaphore();
      return g;
    }
    if (found !== null) {
      sys.munmap(found.seg.buffer);
      sys.close(found.fd);
    }
    if (sys.monotonic() >= deadline && outcome === "full")
      fail("join: peer group " + plan.tag + " is full: it has all its " + plan.count + " peers, and they did not"
           + " finish joining within " + plan.timeoutMs / 1000 + " s", undefined,
           { hint: "more peers came than the group's size: " + SIZE_HINT });
    if (sys.monotonic() >= deadline)
      fail("join: peer group " + plan.tag + " kept changing for " + plan.timeoutMs / 1000 + " s", undefined,
           { hint: "is something else creating and removing " + n.file + "? " + TIMEOUT_HINT });
    // Removal (retired) takes microseconds; a full group has its last
    // peers to let in first.
    sys.nanosleep(outcome === "full" ? 5 : 1);
  }
}

/** A loser's place in the group found, or "again" if the group is being
    removed, "full" if it is complete or about to be; fails if the group
    failed. */
function examine(sys: Sys, plan: JoinPlan, n: Names, f: Found): PeerGroup | "again" | "full" {
  var seg = f.seg;
  if (seg.load(W_RETIRED) !== 0)
    return "again";
  var state = seg.load(W_STATE);
  var winner = winnerOf(sys, seg);
  if (state === STATE_FAILED || !winner.alive) {
    if (seg.stillFor() >= plan.timeoutMs) {
      if (retire(sys, seg, n))
        log.warning("join: removed stale peer group " + n.tag + " (" + (state === STATE_FAILED ? "failed"
                    : "winner pid " + winner.pid + " gone") + ", unchanged for "
                    + (seg.stillFor() / 1000).toFixed(1) + " s)");
      return "again";
    }
    if (state !== STATE_FAILED)
      markFailed(seg, FAILED_OTHER, "winner pid " + winner.pid + " died before "
                 + (state === STATE_INIT ? "its container was complete" : "all peers had joined its container"));
    return new PeerGroup(sys, plan, n, f.fd, seg, claimSlot(sys, seg), false).reportFailure();
  }
  var slot = claimSlot(sys, seg);
  if (slot < 0)
    return "full";
  log.verbose("join: I lost");
  if (seg.count() !== plan.count)
    log.warning("join: peer group " + n.tag + " has " + seg.count() + " peers (its winner's count), not "
                + plan.count);
  return new PeerGroup(sys, plan, n, f.fd, seg, slot, false);
}
