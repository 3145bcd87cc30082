// A CDI launch's plan kept in the user's cache (doc/devices.md §7.3): with
// the same requests, spec files, host files and image, a launch takes the
// plan an earlier one made instead of reading the specs and planning their
// edits again (~50K instructions a file of a spec, in Duktape). What
// planning logged is kept with it and said again, warnings included.

import { isSysError } from "../log/fail";
import * as log from "../log/log";
import * as path from "../path/path";
import type { Image } from "../image/image";
import type { CdiPlan } from "../plan/plan";
import { statOrNull, Sys } from "../sys/sys";
import type { CdiRequest } from "../cli/cdi";
import { Cache, identity, maker, nameOf, probe, readEntry, trustedFile, versionsOf, writeEntry } from "./cache";
import { imageKey } from "./ldcache";

/** A plan's CDI part and what it was made from: the host paths looked at
    (what probe() found of each: probed) and the image's version (imageKey(),
    if its ld cache's key needed it). */
export interface Planned {
  plan: CdiPlan;
  hostPaths: string[];
  probed: Array<NativeStat | null>;
  imageVersion: string;
}

/** An entry's value. */
interface Kept {
  plan: CdiPlan;
  /** The host paths planning probed, in order (their versions are in the key). */
  host: string[];
  /** What planning logged, the cache's own messages aside. */
  log: log.LogLine[];
}

/** The spec files in directory dir, by name: the *.json and *.yaml
    entries (planning skips directories among them). Throws listdir's
    error. */
export function specFiles(sys: Sys, dir: string): string[] {
  var names = sys.listdir(dir).sort();
  var files: string[] = [];
  for (var i = 0; i < names.length; i++)
    if (/\.(json|yaml)$/.test(names[i]))
      files.push(path.join(dir, names[i]));
  return files;
}

/** The entry of requests (with dirs) for image: one per such launch, replaced when it changes. */
function planEntryName(requests: CdiRequest[], dirs: string[], image: Image): string {
  return "plan-" + nameOf(JSON.stringify(requests) + "\0" + dirs.join(":") + "\0" + image.path) + ".json";
}

/** The versions of the spec files requests read: those given by path,
    and for a kind (or -d) each directory (whose version changes when a
    file is added or removed) and each spec file in it. Taken before the
    specs are read, so a spec changed while it is read gets a key that no
    later launch matches. */
export function specVersions(sys: Sys, requests: CdiRequest[], dirs: string[]): string {
  var files: string[] = [];
  var scan = false;
  for (var r = 0; r < requests.length; r++) {
    var q = requests[r];
    if (q.what === "file")
      files.push(q.path);
    else
      scan = true;
  }
  for (var d = 0; scan && d < dirs.length; d++) {
    files.push(dirs[d]);
    try {
      files = files.concat(specFiles(sys, dirs[d]));
    } catch (e) {
      if (!isSysError(e))
        throw e;
    }
  }
  return files.map(function (f) {
    var st = statOrNull(sys, f, true);
    return f + " " + (st === null ? "-" : identity(st));
  }).join(", ");
}

/** Everything the plan depends on, as one line: this skiff, the request,
    the spec files' versions, those of the host files planning probed
    (hostVersions: versionsOf()) and, if the plan binds an ld cache, the
    image's (imageKey()). */
function keyOf(sys: Sys, requests: CdiRequest[], dirs: string[], image: Image, specs: string, hostVersions: string,
               imageVersion: string): string {
  return maker(sys) + " CDI plan 1; requests " + JSON.stringify(requests) + " in " + dirs.join(":") + "; specs "
    + specs + "; host " + hostVersions + "; image " + image.kind + " " + image.path + " " + imageVersion;
}

function isKept(v: unknown): v is Kept {
  var k = v as Kept;
  return typeof k === "object" && k !== null && typeof k.plan === "object" && k.plan !== null
    && k.host instanceof Array && k.log instanceof Array;
}

/** The kept plan for requests if it was made from what is there now (its
    messages said again); else null. specs: specVersions(). */
export function readPlan(sys: Sys, cache: Cache, requests: CdiRequest[], dirs: string[], image: Image,
                         specs: string): CdiPlan | null {
  var name = planEntryName(requests, dirs, image);
  var kept = readEntry(sys, cache, name, function (v) {
    if (!isKept(v))
      return "";
    var probed: Array<NativeStat | null> = [];
    for (var i = 0; i < v.host.length; i++)
      probe(sys, v.host[i], probed);
    var ld = v.plan.ldcache;
    return keyOf(sys, requests, dirs, image, specs, versionsOf(probed),
                 ld === undefined ? "" : imageKey(sys, image, ld.folders));
  }) as Kept | undefined;
  if (kept === undefined)
    return null;
  // The ld cache it binds must be the one it was planned with: a request
  // over the same specs and image with other folders or host files
  // replaces that entry with its own.
  var saved = kept.plan.ldcache !== undefined ? kept.plan.ldcache.saved : undefined;
  if (saved !== undefined) {
    var st = statOrNull(sys, saved.file, false);
    if (st === null || identity(st) !== saved.version
        || trustedFile(sys, cache, path.basename(saved.file)) !== saved.file)
      return null;
  }
  for (var i = 0; i < kept.log.length; i++)
    log.replay(kept.log[i]);
  log.verbose("CDI cache: plan from " + path.join(cache.dir, name) + " (no spec read, nothing planned)");
  return kept.plan;
}

/** Keep the plan for the next launch like this one, unless the image's
    ldconfig is still to run for it (the launch after keeps it, with the
    ld cache); logged: what planning logged. */
export function savePlan(sys: Sys, cache: Cache, requests: CdiRequest[], dirs: string[], image: Image,
                         specs: string, planned: Planned, logged: log.LogLine[]): void {
  if (planned.plan.ldcache !== undefined && planned.plan.ldcache.saved === undefined)
    return;
  var kept: Kept = {
    plan: planned.plan,
    host: planned.hostPaths,
    log: logged.filter(function (l) { return l[1].indexOf("CDI cache: ") !== 0; }),
  };
  writeEntry(sys, cache.dir, planEntryName(requests, dirs, image),
             keyOf(sys, requests, dirs, image, specs, versionsOf(planned.probed), planned.imageVersion), kept);
}
