// What the command line asks of CDI (-d, --device, --cdi-dirs), as plain
// data (doc/devices.md). Everything that reads spec files is the cdiplan unit
// (src/cdiplan/unit.ts), which the cdi unit loads when no kept plan fits.

import { fail } from "../log/fail";

export type CdiRequest =
  /** -d: every kind found in the spec directories */
  | { what: "all"; envAt: number }
  /** --device=FILE: all devices of one spec file */
  | { what: "file"; path: string; envAt: number }
  /** --device=KIND */
  | { what: "kind"; kind: string; envAt: number };
// envAt: how many --set-env/--unset-env came before it on the command line;
// the spec's env is applied after those and before the rest.

export var CDI_DIRS_DEFAULT = "/etc/cdi:/var/run/cdi";

/** Vendor and class names (the CDI parser's rules). */
var VENDOR_OR_CLASS = /^[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/;

/** Why kind is not vendor.com/class, or null if it is. */
export function kindProblem(kind: string): string | null {
  var parts = kind.split("/");
  if (parts.length !== 2)
    return "a kind is VENDOR/CLASS, e.g. nvidia.com/gpu";
  if (!VENDOR_OR_CLASS.test(parts[0]))
    return "vendor " + JSON.stringify(parts[0]) + " must start with a letter, end with a letter or digit, "
      + "and hold only letters, digits, '-', '_' and '.'";
  if (!VENDOR_OR_CLASS.test(parts[1]))
    return "class " + JSON.stringify(parts[1]) + " must start with a letter, end with a letter or digit, "
      + "and hold only letters, digits, '-', '_' and '.'";
  return null;
}

var SLURM_HINT = "skiff binds the host's /dev whole, so one device can't be kept from the others; "
  + "use --device=KIND for all of them, and choose the job's GPUs through Slurm "
  + "(e.g. srun --gpus=1 or --gres=gpu:1, which sets CUDA_VISIBLE_DEVICES)";

/** --device=DEV: a spec file (starting with / or .), KIND or KIND=all. */
export function parseDevice(dev: string, envAt: number): CdiRequest {
  if (dev === "")
    fail("--device: DEV must be non-empty", undefined, { hint: "give a CDI kind such as nvidia.com/gpu, or a spec file" });
  var c = dev.charAt(0);
  if (c === "/" || c === ".")
    return { what: "file", path: dev, envAt: envAt };
  var eq = dev.indexOf("=");
  var kind = eq < 0 ? dev : dev.slice(0, eq);
  var problem = kindProblem(kind);
  if (problem !== null)
    fail("--device: invalid kind: " + kind, undefined, { hint: problem });
  if (eq >= 0 && dev.slice(eq + 1) !== "all")
    fail("--device: can't inject a single device: " + dev, undefined, { hint: SLURM_HINT });
  return { what: "kind", kind: kind, envAt: envAt };
}

/** --cdi-dirs: a colon list; empty items are skipped. */
export function parseCdiDirs(dirs: string): string[] {
  return dirs.split(":").filter(function (d) { return d !== ""; });
}
