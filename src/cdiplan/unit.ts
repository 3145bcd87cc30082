// The cdiplan unit: CDI's planning, from the spec files (read, checked and
// selected: load.ts, spec.ts, select.ts) to the plan's CDI part (edits.ts,
// hooks.ts). The cdi unit loads it only when no kept plan fits
// (doc/devices.md §7.3), so a launch like the last loads none of it.

import type { CdiRequest } from "../cli/cdi";
import { Sys } from "../sys/sys";
import type { Planned } from "../cdi/plancache";
import { LdContext, planEdits } from "./edits";
import type { SpecReader } from "./load";
import { selectDevices } from "./select";

/** What planning needs besides the request: what reading specs needs, and
    the image, for the ld cache. */
type PlanContext = Omit<SpecReader, "sys"> & LdContext;

/** The plan's CDI part for requests, and what it was made from. */
export function planDevices(sys: Sys, requests: CdiRequest[], dirs: string[], ctx: PlanContext): Planned {
  var selections = selectDevices({ sys: sys, cache: ctx.cache, yaml: ctx.yaml, save: ctx.save, tools: ctx.tools },
                                 requests, dirs);
  return planEdits(sys, selections, ctx);
}
