// A CDI spec file's content, checked as the CDI specification
// (cncf-tags/container-device-interface, SPEC.md) and its reference parser
// check it: known fields only, each of its type, cdiVersion 0.3.0 to 1.1.x
// and at least what the fields used need, kind and device names by the
// parser's rules. Every error names the file and the field's path.

import { kindProblem } from "../cli/cdi";
import { fail } from "../log/fail";

export interface Mount {
  hostPath: string;
  containerPath: string;
  type?: string;
  options?: string[];
}

export interface DeviceNode {
  path: string;
  hostPath?: string;
  type?: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  permissions?: string;
  uid?: number;
  gid?: number;
}

export interface Hook {
  hookName: string;
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export interface ContainerEdits {
  env?: string[];
  deviceNodes?: DeviceNode[];
  mounts?: Mount[];
  hooks?: Hook[];
  additionalGids?: number[];
  intelRdt?: { [field: string]: unknown };
  netDevices?: Array<{ hostInterfaceName: string; name: string }>;
}

export interface Device {
  name: string;
  annotations?: { [key: string]: string };
  containerEdits?: ContainerEdits;
}

export interface Spec {
  cdiVersion: string;
  kind: string;
  annotations?: { [key: string]: string };
  devices: Device[];
  containerEdits?: ContainerEdits;
}

/** A checker reports the first problem at path `at` by calling bad(). */
type Check = (v: unknown, at: string, bad: (at: string, msg: string) => never) => void;

function typeName(v: unknown): string {
  return v === null ? "null" : v instanceof Array ? "a list" : typeof v === "object" ? "a mapping" : "a " + typeof v;
}

var str: Check = function (v, at, bad) {
  if (typeof v !== "string")
    bad(at, "must be a string, not " + typeName(v));
};

function int(min: number, max: number): Check {
  return function (v, at, bad) {
    if (typeof v !== "number" || v !== Math.floor(v) || v < min || v > max)
      bad(at, "must be an integer from " + min + " to " + max);
  };
}

var bool: Check = function (v, at, bad) {
  if (typeof v !== "boolean")
    bad(at, "must be true or false, not " + typeName(v));
};

function isMapping(v: unknown): v is { [k: string]: unknown } {
  return typeof v === "object" && v !== null && !(v instanceof Array);
}

function list(item: Check): Check {
  return function (v, at, bad) {
    if (!(v instanceof Array))
      bad(at, "must be a list, not " + typeName(v));
    for (var i = 0; i < (v as unknown[]).length; i++)
      item((v as unknown[])[i], at + "[" + i + "]", bad);
  };
}

var stringMap: Check = function (v, at, bad) {
  if (!isMapping(v))
    bad(at, "must be a mapping, not " + typeName(v));
  for (var k in v as object)
    str((v as { [k: string]: unknown })[k], at + "." + k, bad);
};

/** fields: name → [required, check]. */
function mapping(fields: { [name: string]: [boolean, Check] }): Check {
  return function (v, at, bad) {
    if (!isMapping(v))
      bad(at, "must be a mapping, not " + typeName(v));
    var m = v as { [k: string]: unknown };
    for (var k in m)
      if (!Object.prototype.hasOwnProperty.call(fields, k))
        bad(at, "unknown field " + JSON.stringify(k));
    for (var f in fields)
      if (m[f] === undefined || m[f] === null) {
        if (fields[f][0])
          bad(at, f + " missing");
      } else {
        fields[f][1](m[f], at === "" ? f : at + "." + f, bad);
      }
  };
}

var INT32 = 2147483647;
var UINT32 = 4294967295;

/** The spec's schema, made on first use: a launch that finds the checked
    spec in the cache (load.ts) checks nothing. */
var schema: Check | null = null;

function specSchema(): Check {
  if (schema !== null)
    return schema;
  var containerEdits = mapping({
    env: [false, list(str)],
    deviceNodes: [false, list(mapping({
      path: [true, str], hostPath: [false, str], type: [false, str],
      major: [false, int(-INT32 - 1, INT32)], minor: [false, int(-INT32 - 1, INT32)],
      fileMode: [false, int(0, UINT32)], permissions: [false, str],
      uid: [false, int(0, UINT32)], gid: [false, int(0, UINT32)],
    }))],
    mounts: [false, list(mapping({
      hostPath: [true, str], containerPath: [true, str], type: [false, str], options: [false, list(str)],
    }))],
    hooks: [false, list(mapping({
      hookName: [true, str], path: [true, str], args: [false, list(str)], env: [false, list(str)],
      timeout: [false, int(1, INT32)],
    }))],
    additionalGids: [false, list(int(0, UINT32))],
    intelRdt: [false, mapping({
      closID: [false, str], l3CacheSchema: [false, str], memBwSchema: [false, str],
      schemata: [false, list(str)], enableMonitoring: [false, bool],
    })],
    netDevices: [false, list(mapping({ hostInterfaceName: [true, str], name: [true, str] }))],
  });

  schema = mapping({
    cdiVersion: [true, str],
    kind: [true, str],
    annotations: [false, stringMap],
    devices: [true, list(mapping({
      name: [true, str], annotations: [false, stringMap], containerEdits: [false, containerEdits],
    }))],
    containerEdits: [false, containerEdits],
  });
  return schema;
}

/** The spec versions this reader knows, oldest first (SPEC.md's table). */
var VERSIONS = ["0.3.0", "0.4.0", "0.5.0", "0.6.0", "0.7.0", "0.8.0", "1.0.0", "1.1.0"];

/** Index of major.minor in VERSIONS (any patch level), or -1. */
function versionIndex(v: string): number {
  var m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(v);
  if (m === null)
    return -1;
  var mm = Number(m[1]) + "." + Number(m[2]) + ".0";
  for (var i = 0; i < VERSIONS.length; i++)
    if (VERSIONS[i] === mm)
      return i;
  return -1;
}

/** The newest feature s uses: the version it needs and the field's path
    (the reference parser's MinimumRequiredVersion). */
function requiredVersion(s: Spec): [string, string] | null {
  var found: [string, string] | null = null;
  function need(version: string, at: string): void {
    if (found === null || versionIndex(version) > versionIndex(found[0]))
      found = [version, at];
  }
  function edits(e: ContainerEdits | undefined, at: string): void {
    if (e === undefined)
      return;
    var i;
    for (i = 0; e.mounts && i < e.mounts.length; i++)
      if (e.mounts[i].type)
        need("0.4.0", at + ".mounts[" + i + "].type");
    for (i = 0; e.deviceNodes && i < e.deviceNodes.length; i++)
      if (e.deviceNodes[i].hostPath)
        need("0.5.0", at + ".deviceNodes[" + i + "].hostPath");
    if (e.intelRdt)
      need("0.7.0", at + ".intelRdt");
    if (e.additionalGids && e.additionalGids.length)
      need("0.7.0", at + ".additionalGids");
    if (e.intelRdt && (e.intelRdt.schemata !== undefined || e.intelRdt.enableMonitoring))
      need("1.1.0", at + ".intelRdt");
    if (e.netDevices && e.netDevices.length)
      need("1.1.0", at + ".netDevices");
  }
  if (s.annotations && Object.keys(s.annotations).length)
    need("0.6.0", "annotations");
  if (s.kind.split("/")[1].indexOf(".") >= 0)
    need("0.6.0", "kind");
  edits(s.containerEdits, "containerEdits");
  for (var d = 0; d < s.devices.length; d++) {
    var dev = s.devices[d];
    if (/^[0-9]/.test(dev.name))
      need("0.5.0", "devices[" + d + "].name");
    if (dev.annotations && Object.keys(dev.annotations).length)
      need("0.6.0", "devices[" + d + "].annotations");
    edits(dev.containerEdits, "devices[" + d + "].containerEdits");
  }
  return found;
}

var DEVICE_NAME = /^[A-Za-z0-9]([A-Za-z0-9_.:-]*[A-Za-z0-9])?$/;

/** The paths and env entries of edits, which the schema only types. */
function checkEdits(e: ContainerEdits | undefined, at: string, bad: (at: string, msg: string) => never): void {
  if (e === undefined)
    return;
  var i;
  for (i = 0; e.env && i < e.env.length; i++)
    if (e.env[i].indexOf("=") <= 0)
      bad(at + ".env[" + i + "]", "must be NAME=VALUE, not " + JSON.stringify(e.env[i]));
  for (i = 0; e.mounts && i < e.mounts.length; i++)
    if (e.mounts[i].containerPath.charAt(0) !== "/")
      bad(at + ".mounts[" + i + "].containerPath", "must be absolute: " + e.mounts[i].containerPath);
  for (i = 0; e.deviceNodes && i < e.deviceNodes.length; i++)
    if (e.deviceNodes[i].path.charAt(0) !== "/")
      bad(at + ".deviceNodes[" + i + "].path", "must be absolute: " + e.deviceNodes[i].path);
  for (i = 0; e.hooks && i < e.hooks.length; i++)
    if (e.hooks[i].path.charAt(0) !== "/")
      bad(at + ".hooks[" + i + "].path", "must be absolute: " + e.hooks[i].path);
}

var HINT = "fix the spec file or have its vendor tool write it again (e.g. nvidia-ctk cdi generate)";

/** data (parsed JSON or YAML) as a Spec, or a failure naming file and field. */
export function validateSpec(data: unknown, file: string): Spec {
  function bad(at: string, msg: string): never {
    return fail(file + ": " + (at === "" ? "" : at + ": ") + msg, undefined, { hint: HINT });
  }
  specSchema()(data, "", bad);
  var s = data as Spec;
  if (versionIndex(s.cdiVersion) < 0)
    bad("cdiVersion", "unsupported version " + JSON.stringify(s.cdiVersion) + " (skiff reads 0.3.0 to 1.1.x)");
  var problem = kindProblem(s.kind);
  if (problem !== null)
    bad("kind", "invalid kind " + JSON.stringify(s.kind) + ": " + problem);
  if (s.devices.length === 0)
    bad("devices", "must list at least one device");
  var names: { [name: string]: boolean } = {};
  for (var d = 0; d < s.devices.length; d++) {
    var name = s.devices[d].name;
    if (!DEVICE_NAME.test(name))
      bad("devices[" + d + "].name", "invalid device name " + JSON.stringify(name)
          + ": letters, digits, '-', '_', '.' and ':', starting and ending with a letter or digit");
    if (names["=" + name])
      bad("devices[" + d + "].name", "duplicate device name " + JSON.stringify(name));
    names["=" + name] = true;
    checkEdits(s.devices[d].containerEdits, "devices[" + d + "].containerEdits", bad);
  }
  checkEdits(s.containerEdits, "containerEdits", bad);
  var needed = requiredVersion(s);
  if (needed !== null && versionIndex(needed[0]) > versionIndex(s.cdiVersion))
    bad(needed[1], "needs cdiVersion " + needed[0] + " or later; the file says " + s.cdiVersion);
  return s;
}
