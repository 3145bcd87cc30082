// A peer group's failure: the first peer to fail records why in the
// segment, so the others fail at once with that message rather than wait
// for a timeout.

import { fail, isFailure, isSysError } from "../log/fail";
import { GroupState, Segment, W } from "./segment";

/** One line for another peer to print: the message of a Failure, with its
    strerror, and hint, or what else stopped us. */
export function describe(e: unknown): string {
  if (isFailure(e))
    return e.message + (e.strerror ? ": " + e.strerror : "") + (e.hint ? "\n" + e.hint : "");
  if (isSysError(e))
    return e.message;
  if (typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "number")
    return "exited with status " + (e as { code: number }).code;
  return String(e);
}

/** Record text ("message\nhint", the message whole, as peers print it)
    as the group's failure, unless it is
    complete (no one is left to tell) or has failed already. True if
    recorded. */
export function recordFailure(seg: Segment, text: string): boolean {
  if (seg.load(W.ARRIVED) >= seg.count() || !seg.cas(W.FAIL_CLAIM, 0, 1))
    return false;
  seg.setMessage(text);
  for (;;) {
    var state = seg.load(W.STATE);
    if (seg.cas(W.STATE, state, GroupState.FAILED))
      return true;
  }
}

/** Fail with the failure some peer recorded. */
export function failAsRecorded(seg: Segment): never {
  var text = seg.message();
  var nl = text.indexOf("\n");
  return fail(nl < 0 ? text : text.slice(0, nl), undefined,
              nl < 0 ? undefined : { hint: text.slice(nl + 1) });
}
