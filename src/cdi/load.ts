// Reading CDI spec files: JSON (*.json) or YAML (anything else; nvidia-ctk
// writes YAML by default), then checked (spec.ts).

import { CORE_SCHEMA, load } from "js-yaml";
import { fail, isFailure, isSysError } from "../log/fail";
import * as log from "../log/log";
import * as path from "../path/path";
import { isDir, readFile, Sys } from "../sys/sys";
import { Spec, validateSpec } from "./spec";

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
function parse(sys: Sys, file: string): unknown {
  var text: string;
  try {
    text = readFile(sys, file);
  } catch (e) {
    return fail("can't read CDI spec: " + file, e, { hint: "check the path and its permissions" });
  }
  try {
    // JSON.parse is strict and much faster in Duktape than the YAML parser
    if (/\.json$/.test(file))
      return JSON.parse(text);
    return load(text, { schema: CORE_SCHEMA, filename: file });
  } catch (e) {
    var err = e as { reason?: string; mark?: { line: number; column: number }; message?: string };
    var where = err.mark ? "line " + (err.mark.line + 1) + ", column " + (err.mark.column + 1) + ": " : "";
    return fail(file + ": " + where + (err.reason || err.message || String(e)), undefined,
                { hint: "not valid " + (/\.json$/.test(file) ? "JSON" : "YAML") + "; fix the file or generate it again" });
  }
}

/** Read and check one spec file; failures name the file. */
export function loadSpec(sys: Sys, file: string, priority: number): LoadedSpec {
  return { file: file, priority: priority, spec: validateSpec(parse(sys, file), file) };
}

function kindOf(data: unknown): string | undefined {
  var kind = typeof data === "object" && data !== null ? (data as { kind?: unknown }).kind : undefined;
  return typeof kind === "string" ? kind : undefined;
}

/** Every *.json and *.yaml file in dirs (missing directories are skipped,
    as the CDI reference does), in priority order, then by name. */
export function scanDirs(sys: Sys, dirs: string[]): { specs: LoadedSpec[]; broken: BrokenSpec[] } {
  var specs: LoadedSpec[] = [];
  var broken: BrokenSpec[] = [];
  for (var p = 0; p < dirs.length; p++) {
    var names: string[];
    try {
      names = sys.listdir(dirs[p]);
    } catch (e) {
      if (isSysError(e) && (e.code === "ENOENT" || e.code === "ENOTDIR")) {
        log.debug("CDI: no spec directory " + dirs[p]);
        continue;
      }
      return fail("can't read CDI spec directory " + dirs[p], e, { hint: "fix its permissions or change --cdi-dirs" });
    }
    names.sort();
    for (var i = 0; i < names.length; i++) {
      if (!/\.(json|yaml)$/.test(names[i]))
        continue;
      var file = path.join(dirs[p], names[i]);
      var data: unknown = undefined;
      try {
        if (isDir(sys, sys.stat(file).mode))
          continue;
        data = parse(sys, file);
        specs.push({ file: file, priority: p, spec: validateSpec(data, file) });
        log.verbose("CDI: found spec " + file + " (" + specs[specs.length - 1].spec.kind + ")");
      } catch (e) {
        if (!isFailure(e) && !isSysError(e))
          throw e;
        broken.push({ file: file, kind: kindOf(data), error: e });
      }
    }
  }
  return { specs: specs, broken: broken };
}
