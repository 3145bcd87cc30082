// Reading CDI spec files: JSON (*.json) or YAML (anything else; nvidia-ctk
// writes YAML by default), then checked (spec.ts). A file is parsed and
// checked once per version of it (YAML is slow to parse in Duktape, and
// checking every field of a big spec costs too): its checked content is
// kept in the user's cache (cache.ts) and read from there.

import { fail, isFailure, isSysError } from "../log/fail";
import * as log from "../log/log";
import { isDir, readFile, statOrNull, Sys } from "../sys/sys";
import type { Cache, CacheTools } from "../cdi/cache";
import { Spec, validateSpec } from "./spec";

/** What reading spec files needs. */
export interface SpecReader {
  sys: Sys;
  cache: Cache | null;
  /** The YAML parser (the yaml unit, loaded on first use). */
  yaml: () => (text: string, file: string) => unknown;
  /** Keep what is parsed in the cache (not for --dry-run, which changes nothing). */
  save: boolean;
  tools: CacheTools;
}

export interface LoadedSpec {
  file: string;
  /** Index of its directory in --cdi-dirs: the higher, the more it counts. */
  priority: number;
  spec: Spec;
}

/** A file that could not be read or is not a valid spec: held back, since
    it matters only if its kind is asked for (or unknown). */
export interface BrokenSpec {
  file: string;
  /** Its kind, if the content says. */
  kind?: string;
  error: unknown;
}

/** The content of a spec file, parsed but not yet checked. */
function parse(r: SpecReader, file: string): unknown {
  var text: string;
  try {
    text = readFile(r.sys, file);
  } catch (e) {
    return fail("can't read CDI spec: " + file, e, { hint: "check the path and its permissions" });
  }
  var json = /\.json$/.test(file);
  try {
    // JSON.parse is strict and much faster in Duktape than the YAML parser
    return json ? JSON.parse(text) : r.yaml()(text, file);
  } catch (e) {
    var err = e as { reason?: string; mark?: { line: number; column: number }; message?: string };
    var where = err.mark ? "line " + (err.mark.line + 1) + ", column " + (err.mark.column + 1) + ": " : "";
    return fail(file + ": " + where + (err.reason || err.message || String(e)), undefined,
                { hint: "not valid " + (json ? "JSON" : "YAML") + "; fix the file or generate it again" });
  }
}

/** The checked spec in file; parsed.data gets its content if it parsed. It
    comes from the cache when this version of the file was read before. */
function readSpec(r: SpecReader, file: string, parsed: { data?: unknown }): Spec {
  var st = r.cache !== null ? statOrNull(r.sys, file, true) : null;
  if (r.cache === null || st === null) {
    parsed.data = parse(r, file);
    return validateSpec(parsed.data, file);
  }
  // named by path: a regenerated spec replaces its old entry
  var t = r.tools;
  var name = "spec-" + t.nameOf(file) + ".json";
  var key = t.maker(r.sys) + " CDI spec 1 " + file + " " + t.identity(st);
  var cached = t.readEntry(r.sys, r.cache, name, key);
  if (cached !== undefined) {
    log.verbose("CDI cache: " + file + ": checked spec from the cache");
    parsed.data = cached;
    return cached as Spec;
  }
  parsed.data = parse(r, file);
  var spec = validateSpec(parsed.data, file);
  if (r.save)
    t.writeEntry(r.sys, r.cache.dir, name, key, spec);
  return spec;
}

/** Read and check one spec file; failures name the file. */
export function loadSpec(r: SpecReader, file: string, priority: number): LoadedSpec {
  return { file: file, priority: priority, spec: readSpec(r, file, {}) };
}

function kindOf(data: unknown): string | undefined {
  var kind = typeof data === "object" && data !== null ? (data as { kind?: unknown }).kind : undefined;
  return typeof kind === "string" ? kind : undefined;
}

/** Every *.json and *.yaml file in dirs (missing directories are skipped,
    as the CDI reference does), in priority order, then by name. */
export function scanDirs(r: SpecReader, dirs: string[]): { specs: LoadedSpec[]; broken: BrokenSpec[] } {
  var sys = r.sys;
  var specs: LoadedSpec[] = [];
  var broken: BrokenSpec[] = [];
  for (var p = 0; p < dirs.length; p++) {
    var files: string[];
    try {
      files = r.tools.specFiles(sys, dirs[p]);
    } catch (e) {
      if (isSysError(e) && (e.code === "ENOENT" || e.code === "ENOTDIR")) {
        log.debug("CDI: no spec directory " + dirs[p]);
        continue;
      }
      return fail("can't read CDI spec directory " + dirs[p], e, { hint: "fix its permissions or change --cdi-dirs" });
    }
    for (var i = 0; i < files.length; i++) {
      var file = files[i];
      var parsed: { data?: unknown } = {};
      try {
        if (isDir(sys.stat(file).mode))
          continue;
        specs.push({ file: file, priority: p, spec: readSpec(r, file, parsed) });
        log.verbose("CDI: found spec " + file + " (" + specs[specs.length - 1].spec.kind + ")");
      } catch (e) {
        if (!isFailure(e) && !isSysError(e))
          throw e;
        broken.push({ file: file, kind: kindOf(parsed.data), error: e });
      }
    }
  }
  return { specs: specs, broken: broken };
}
