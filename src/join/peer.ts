// One peer of a --join group (doc/join.md; ch_core.c's join_begin() and
// join_end()): the winner builds the container, the losers join its user
// and mount namespaces once it is complete, and the last one in removes
// the group's name. Nothing waits on a dead peer:
// - Losers wait for the container to be complete (wait.ts), and look for
//   a dead winner every SLICE_MS, so a winner killed at any point costs
//   them at most that, not the timeout.
// - Any peer that fails before the group is complete records why
//   (failure.ts): the others fail at once with that message. The last
//   peer out, the last one in, or failing that the next peer to meet a
//   group with no one alive in it, removes the name.
// - The winner runs its command only once all peers are in its container
//   (MPI ranks wait for each other in MPI_Init anyway), so its namespaces
//   can't vanish under a late peer, and a wrong group size is a timeout
//   that says how many peers came, not a leak. Losers start theirs at once.

import { applyChanges, environmentChanges } from "../env/diff";
import { Environment } from "../env/environment";
import { faultPoint } from "../exec/fault";
import { joinNamespaces } from "../exec/namespaces";
import { State } from "../exec/state";
import { fail } from "../log/fail";
import * as log from "../log/log";
import { JoinPlan } from "../plan/plan";
import { Sys } from "../sys/sys";
import { describe, failAsRecorded, recordFailure } from "./failure";
import { isAlive, startTime } from "./proc";
import { D, fixedSize, GroupState, Segment, Slot, W } from "./segment";
import { Mapped, removeName, Shm, unmap } from "./shm";
import { waitUntil, wakeAll } from "./wait";

export var TIMEOUT_HINT = "SKIFF_JOIN_TIMEOUT sets how long peers wait (seconds; default 30)";
export var SIZE_HINT = "the peer group size (--join-ct, else OMPI_COMM_WORLD_LOCAL_SIZE, SLURM_STEP_TASKS_PER_NODE "
  + "or SLURM_CPUS_ON_NODE) must be the number of peers on this node; " + TIMEOUT_HINT;

/** What the executor does with its group, whatever its size. */
export interface PeerGroup {
  winner: boolean;
  /** Run f; if it throws, leave the group, failing it unless complete. */
  guard<T>(f: () => T): T;
  /** Loser: join the winner's container and take its environment. */
  enter(st: State): void;
  /** Count ourselves in; the winner waits for the rest. hostEnviron is
      the environment we started with. */
  end(st: State, hostEnviron: string[]): void;
}

/** The process whose namespaces peers join (until it is known, the one
    building it: slot 0's, or after a SquashFS fork its parent), and
    whether it is still running. */
export function winnerOf(sys: Sys, seg: Segment): { pid: number; alive: boolean } {
  var pid = seg.load(W.CONTAINER_PID);
  if (pid !== 0)
    return { pid: pid, alive: isAlive(sys, pid, seg.getD(D.CONTAINER_START)) };
  pid = seg.load(W.WINNER_PID);
  return { pid: pid, alive: isAlive(sys, pid, seg.getD(D.WINNER_START)) };
}

/** Is the loser that took slot i still running? It writes its start
    time just after taking the slot: until then, its PID alone says (a
    loser killed in between is seen dead, not waited for). */
function loserAlive(sys: Sys, seg: Segment, i: number, pid: number): boolean {
  var start = seg.slotStart(i);
  return start === 0 ? startTime(sys, pid) !== null : isAlive(sys, pid, start);
}

/** Is anyone who came still in the group (alive, and not done with it)? */
export function anyoneIn(sys: Sys, seg: Segment): boolean {
  for (var i = 0; i < seg.count(); i++) {
    var pid = seg.load(seg.slotPidWord(i));
    if (pid === 0 || seg.load(seg.slotStatusWord(i)) === Slot.DONE)
      continue;
    if (i === 0 ? winnerOf(sys, seg).alive : loserAlive(sys, seg, i, pid))
      return true;
  }
  return false;
}

/** Remove the group's name, if no one else has taken that on; true if we
    did. */
export function retire(sys: Sys, n: Shm, m: Mapped, from: number): boolean {
  if (!m.seg.retire(from))
    return false;
  log.verbose("join: cleaning up IPC resources");
  removeName(sys, n, m);
  return true;
}

/** A loser's place: a free slot, or -1 if there is none. Each loser
    first tries the slot its turn gives it, which is free unless a loser
    died between its turn and its claim: one compare-and-swap each, where
    trying every slot from the first cost the last of 32 peers 31. */
export function claimSlot(sys: Sys, seg: Segment): number {
  var me = sys.getpid();
  // Read first, to be written right after the claim (see loserAlive).
  var start = startTime(sys, me) as number;
  var losers = seg.count() - 1;
  var turn = seg.add(W.TURNS, 1) >>> 0; // whatever the word holds, a slot
  for (var k = 0; k < losers; k++) {
    var i = 1 + (turn + k) % losers;
    if (seg.cas(seg.slotPidWord(i), 0, me)) {
      seg.setSlotStart(i, start);
      seg.cas(seg.slotStatusWord(i), 0, Slot.CLAIMED);
      return i;
    }
  }
  return -1;
}

export class Peer implements PeerGroup {
  winner: boolean;
  private seg: Segment;
  private finished = false;

  /** slot: ours (0 for the winner), or -1 if we are no member (a
      newcomer to a failed group). */
  constructor(private sys: Sys, private plan: JoinPlan, private shm: Shm, private mapped: Mapped,
              private slot: number) {
    this.winner = slot === 0;
    this.seg = mapped.seg;
  }

  guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      this.abandon(e);
      throw e;
    }
  }

  enter(st: State): void {
    var self = this;
    var seg = this.seg;
    // ch-run's losers wait on its semaphore (ch_core.c's join_begin()).
    var ready = waitUntil(this.sys, seg, this.plan.timeoutMs, "failure waiting for join lock", function (look) {
      if (seg.load(W.STATE) === GroupState.READY)
        return true;
      var w = look ? winnerOf(self.sys, seg) : null;
      if (w !== null && !w.alive)
        self.groupFails("join: winner pid " + w.pid + " died before its container was complete");
      return false;
    });
    if (!ready)
      this.groupFails("timeout waiting for join lock",
                      "waited " + this.plan.timeoutMs / 1000 + " s for winner pid " + winnerOf(this.sys, seg).pid
                      + " to build the container: is it stuck, or is its set-up slow (e.g. SquashFS on a slow file"
                      + " system)? " + TIMEOUT_HINT);
    var pid = seg.load(W.CONTAINER_PID);
    var bytes = seg.load(W.ENV_BYTES);
    var fd = this.mapped.fd;
    if (bytes < 0 || fixedSize(seg.count()) + bytes > this.sys.fstat(fd).size)
      this.groupFails("join: the winner's environment in " + this.shm.file + " is truncated");
    var changes = bytes === 0 ? "" : this.sys.pread(fd, bytes, fixedSize(seg.count()));
    joinNamespaces(this.sys, pid, function (type, ns) {
      if (ns.ino !== seg.getD(type === "user" ? D.USERNS : D.MNTNS))
        self.groupFails("join: winner pid " + pid + " is no longer in the container it built (its " + type
                        + " namespace changed: did it die and its PID get reused?)");
    });
    applyChanges(st.env, changes === "" ? [] : changes.split("\0"));
  }

  end(st: State, hostEnviron: string[]): void {
    var self = this;
    var sys = this.sys;
    var seg = this.seg;
    var count = seg.count();
    if (this.winner)
      this.publishContainer(st, hostEnviron);
    faultPoint(sys);
    var arrived = seg.add(W.ARRIVED, 1) + 1;
    // A loser in the container is done with the group; the winner stays
    // until all are in, since they join it by its PID.
    this.setSlotStatus(this.winner ? Slot.ARRIVED : Slot.DONE);
    log.verbose("join: " + (count - arrived) + " peers left excluding myself");
    faultPoint(sys);
    if (arrived === count) {
      retire(sys, this.shm, this.mapped, 0);
      wakeAll(sys, seg);
    } else if (this.winner) {
      var all = waitUntil(sys, seg, this.plan.timeoutMs, "join: failure waiting for peers", function (lookForDead) {
        if (seg.load(W.ARRIVED) >= count)
          return true;
        if (lookForDead)
          self.checkPeersAlive();
        return false;
      });
      if (!all)
        this.groupFails("join: timed out after " + this.plan.timeoutMs / 1000 + " s waiting for peers: "
                        + seg.load(W.ARRIVED) + " of " + count + " joined", SIZE_HINT);
      // The last one in may have been killed before it could.
      retire(sys, this.shm, this.mapped, 0);
    }
    this.close();
    log.verbose("join: done");
  }

  /** ch_core.c's join_env_save() and more: what losers need to join our
      container, then READY. */
  private publishContainer(st: State, hostEnviron: string[]): void {
    var sys = this.sys;
    var seg = this.seg;
    log.verbose("join: winner initializing shared data");
    var env = environmentChanges(Environment.fromList(hostEnviron), st.env).join("\0");
    seg.set(W.ENV_BYTES, env === "" ? 0 : sys.pwrite(this.mapped.fd, env, fixedSize(seg.count())));
    var me = sys.getpid();
    // Without a SquashFS fork we are the publisher, whose start is known.
    var start = me === seg.load(W.WINNER_PID) ? seg.getD(D.WINNER_START) : startTime(sys, me) as number;
    seg.setD(D.CONTAINER_START, start);
    seg.setD(D.USERNS, sys.stat("/proc/self/ns/user").ino);
    seg.setD(D.MNTNS, sys.stat("/proc/self/ns/mnt").ino);
    seg.set(W.CONTAINER_PID, me);
    if (!seg.cas(W.STATE, GroupState.INIT, GroupState.READY))
      failAsRecorded(seg);
    wakeAll(sys, seg);
  }

  /** The winner's wait: a peer that took a place but died before
      joining (whether or not it had marked its slot claimed) will never
      come. */
  private checkPeersAlive(): void {
    var seg = this.seg;
    for (var i = 1; i < seg.count(); i++) {
      var pid = seg.load(seg.slotPidWord(i));
      var status = seg.load(seg.slotStatusWord(i));
      if (pid !== 0 && status !== Slot.ARRIVED && status !== Slot.DONE && !loserAlive(this.sys, seg, i, pid))
        this.groupFails("join: peer pid " + pid + " died before joining the container");
    }
  }

  /** Record message (and hint) as the group's failure and fail with it. */
  private groupFails(message: string, hint?: string): never {
    recordFailure(this.seg, message + (hint ? "\n" + hint : ""));
    wakeAll(this.sys, this.seg);
    return fail(message, undefined, hint ? { hint: hint } : undefined);
  }

  /** A newcomer to a failed group: leave it, failing as it did. */
  reportFailure(): never {
    var seg = this.seg;
    return this.guard(function () { return failAsRecorded(seg); });
  }

  private setSlotStatus(status: number): void {
    if (this.slot < 0)
      return;
    var word = this.seg.slotStatusWord(this.slot);
    this.seg.cas(word, this.seg.load(word), status);
  }

  /** We stop, because of e: unless the group is complete, it fails; we
      leave it, and if no one else is in it, remove its name. */
  private abandon(e: unknown): void {
    if (this.finished)
      return;
    if (recordFailure(this.seg, "join: " + (this.winner ? "winner" : "peer") + " pid " + this.sys.getpid() + " failed: "
                      + describe(e)))
      log.verbose("join: released the peer group");
    wakeAll(this.sys, this.seg);
    this.setSlotStatus(Slot.DONE);
    if (!anyoneIn(this.sys, this.seg))
      retire(this.sys, this.shm, this.mapped, 0);
    this.close();
  }

  private close(): void {
    this.finished = true;
    unmap(this.sys, this.mapped);
  }
}
