// The cdi unit: -d and --device's spec files → the plan's CDI part, and
// the CDI steps' execution. Loaded only when one of them is given
// (main.ts). It takes a kept plan (plancache.ts) if one fits; else the
// cdiplan unit plans (YAML files need the yaml unit too).

import type { Image } from "../image/image";
import * as log from "../log/log";
import type { CdiPlan } from "../plan/plan";
import { Getenv, Sys } from "../sys/sys";
import { cacheOf, CacheTools, identity, maker, nameOf, probe, readEntry, writeEntry } from "./cache";
import { imageKey, planLdCache } from "./ldcache";
import { readPlan, savePlan, specFiles, specVersions } from "./plancache";
import type { CdiRequest } from "../cli/cdi";

/** What planning CDI needs to know besides the command line. */
export interface CdiContext {
  image: Image;
  getenv: Getenv;
  euid: number;
  /** The YAML parser, loaded on first use (the yaml unit). */
  yaml: () => (text: string, file: string) => unknown;
  /** --dry-run: the cache is read, never written. */
  dryRun: boolean;
  /** The cdiplan unit, loaded on first use. */
  planner: () => typeof import("../cdiplan/unit");
}

/** The plan's CDI part: kept from an earlier launch (plancache.ts), else
    planned from the spec files, and kept for the next. */
export function planCdi(sys: Sys, requests: CdiRequest[], dirs: string[], ctx: CdiContext): CdiPlan {
  var cache = cacheOf(ctx.getenv, ctx.euid);
  var specs = cache !== null ? specVersions(sys, requests, dirs) : "";
  var kept = cache !== null ? readPlan(sys, cache, requests, dirs, ctx.image, specs) : null;
  if (kept !== null)
    return kept;
  var logged: log.LogLine[] = [];
  log.recordLog(logged);
  try {
    var tools: CacheTools = { identity: identity, maker: maker, nameOf: nameOf, probe: probe, readEntry: readEntry,
                              writeEntry: writeEntry, imageKey: imageKey, planLdCache: planLdCache,
                              specFiles: specFiles };
    var planned = ctx.planner().planDevices(sys, requests, dirs, { cache: cache, image: ctx.image, yaml: ctx.yaml,
                                                                   save: !ctx.dryRun, tools: tools });
  } finally {
    log.recordLog(null);
  }
  if (cache !== null && !ctx.dryRun)
    savePlan(sys, cache, requests, dirs, ctx.image, specs, planned, logged);
  return planned.plan;
}

export { bindDevice, makeLinks, mergeDir, mergeLinks } from "../exec/merge";
export { updateLdCache } from "./ldcache";
