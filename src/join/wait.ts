// How peers wait for each other: on a futex in the segment, whose
// generation word any change that waiters care about bumps (the container
// complete, a peer arrived, the group failed). A peer killed at any point
// bumps nothing, so waiters also look for dead peers every SLICE_MS.

import { fail, isErrno } from "../log/fail";
import { Sys } from "../sys/sys";
import { failAsRecorded } from "./failure";
import { GroupState, Segment, W } from "./segment";

/** How often waiters look for dead peers. */
export var SLICE_MS = 100;

/** Wake every waiting peer. */
export function wakeAll(sys: Sys, seg: Segment): void {
  seg.add(W.GENERATION, 1);
  sys.futex_wake(seg.buffer, W.GENERATION * 4, 0x7fffffff);
}

/** Wait until poll() says done, true, or timeoutMs passes, false. poll's
    argument says whether to look for dead peers this time (at most every
    SLICE_MS); it throws to stop waiting. A failed group fails us.
    failure is the message if waiting itself fails. */
export function waitUntil(sys: Sys, seg: Segment, timeoutMs: number, failure: string,
                          poll: (lookForDead: boolean) => boolean): boolean {
  var deadline = sys.monotonic() + timeoutMs;
  var nextLook = sys.monotonic() + SLICE_MS;
  for (;;) {
    // Read before poll(): a change after it makes futex_wait return.
    var generation = seg.load(W.GENERATION);
    var now = sys.monotonic();
    var look = now >= nextLook;
    if (look)
      nextLook = now + SLICE_MS;
    if (poll(look))
      return true;
    if (seg.load(W.STATE) === GroupState.FAILED)
      failAsRecorded(seg);
    if (now >= deadline)
      return false;
    try {
      sys.futex_wait(seg.buffer, W.GENERATION * 4, generation, Math.max(1, Math.min(SLICE_MS, deadline - now)));
    } catch (e) {
      if (!isErrno(e, "ETIMEDOUT", "EAGAIN", "EINTR"))
        fail(failure, e);
    }
  }
}
