// Finding one's peer group (ch_core.c's join_begin()): found it, or join
// the one there. A group met with no one left in it, because its peers
// died or failed, is removed and founded anew, so nothing a killed peer
// leaves outlives the next run with its tag.

import { fail } from "../log/fail";
import * as log from "../log/log";
import { JoinPlan } from "../plan/plan";
import { Sys } from "../sys/sys";
import { recordFailure } from "./failure";
import { anyoneIn, claimSlot, Peer, PeerGroup, retire, SIZE_HINT, TIMEOUT_HINT, winnerOf } from "./peer";
import { GroupState, Retired, W } from "./segment";
import { Mapped, openGroup, publishGroup, Shm, shmOf, unmap } from "./shm";

/** How long removing a name may take before we take it over from the
    peer that began it: it takes microseconds, unless that peer died. */
var RETIRE_GRACE_MS = 1000;

/** A group met: ours to join (or to fail with), or "again" once the one
    there is gone, "full" while it lets its last peers in. */
type Outcome = PeerGroup | "again" | "full";

/** A group of two or more: a group of one needs none (executor.ts). */
export function joinBegin(sys: Sys, plan: JoinPlan): PeerGroup {
  var n = shmOf(plan.tag);
  var deadline = sys.monotonic() + plan.timeoutMs;
  for (;;) {
    // Most peers are losers: look for the group before trying to found it.
    var found = openGroup(sys, n);
    var outcome: Outcome;
    if (found === null) {
      var won = publishGroup(sys, plan, n);
      outcome = won === null ? "again" : new Peer(sys, plan, n, won, 0);
    } else {
      outcome = examine(sys, plan, n, found);
      if (typeof outcome === "string")
        unmap(sys, found);
    }
    if (typeof outcome !== "string")
      return outcome;
    if (sys.monotonic() >= deadline && outcome === "full")
      fail("join: peer group " + plan.tag + " is full: it has all its " + plan.count + " peers, and they did not"
           + " finish joining within " + plan.timeoutMs / 1000 + " s", undefined,
           { hint: "more peers came than the group's size: " + SIZE_HINT });
    if (sys.monotonic() >= deadline)
      fail("join: peer group " + plan.tag + " kept changing for " + plan.timeoutMs / 1000 + " s", undefined,
           { hint: "is something else creating and removing " + n.file + "? " + TIMEOUT_HINT });
    // Removal takes microseconds; a full group has its last peers to let
    // in first.
    sys.nanosleep(outcome === "full" ? 5 : 1);
  }
}

/** Our place in the group found, or why we have none yet; fails if the
    group failed and someone is still in it. */
function examine(sys: Sys, plan: JoinPlan, n: Shm, m: Mapped): Outcome {
  var seg = m.seg;
  var retired = seg.load(W.RETIRED);
  if (retired !== 0) {
    if (retired === Retired.RETIRING && seg.retiringFor() >= RETIRE_GRACE_MS)
      retire(sys, n, m, Retired.RETIRING);
    return "again";
  }
  var state = seg.load(W.STATE);
  var winner = winnerOf(sys, seg);
  if (state === GroupState.FAILED || !winner.alive) {
    if (!anyoneIn(sys, seg)) {
      if (retire(sys, n, m, 0))
        log.warning("join: removed peer group " + n.tag + " left by peers that "
                    + (state === GroupState.FAILED ? "failed" : "died (winner pid " + winner.pid + ")"));
      return "again";
    }
    if (state !== GroupState.FAILED)
      recordFailure(seg, "join: winner pid " + winner.pid + " died before "
                    + (state === GroupState.INIT ? "its container was complete" : "all peers had joined its container"));
    return new Peer(sys, plan, n, m, claimSlot(sys, seg)).reportFailure();
  }
  var slot = claimSlot(sys, seg);
  if (slot < 0)
    return "full";
  log.verbose("join: I lost");
  if (seg.count() !== plan.count)
    log.warning("join: peer group " + n.tag + " has " + seg.count() + " peers (its winner's count), not "
                + plan.count);
  return new Peer(sys, plan, n, m, slot);
}
