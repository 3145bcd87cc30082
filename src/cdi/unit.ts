// The cdi unit: -d and --device's spec files → the plan's CDI part. Loaded
// only when one of them is given (main.ts), with the YAML parser it bundles.

import type { CdiPlan } from "../plan/plan";
import { Sys } from "../sys/sys";
import { planEdits } from "./edits";
import type { CdiRequest } from "../cli/cdi";
import { selectDevices } from "./select";

export function planCdi(sys: Sys, requests: CdiRequest[], dirs: string[]): CdiPlan {
  return planEdits(sys, selectDevices(sys, requests, dirs));
}

export { bindDevice, makeLinks, mergeDir, mergeLink, updateLdCache } from "../exec/merge";
