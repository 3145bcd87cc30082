import { fail } from "../log/fail";
import { Step } from "../plan/plan";
import { State } from "../exec/state";

/** Mount a SquashFS image: not yet implemented. */
export function mountSquash(_st: State, s: Extract<Step, { op: "squash-mount" }>): void {
  fail("unknown image type: " + s.image, undefined, { hint: "SquashFS images are not supported yet" });
}
