// SquashFS files from image directories and back, by Debian's
// squashfs-tools (doc/commands.md, "skiff convert").

import * as log from "../log/log";
import { Getenv, readFile, Sys } from "../sys/sys";
import { runProgram, writeBeside } from "./program";
import { removeTreeIfAny } from "./tree";

export var DEFAULT_COMPRESSION = "zstd";

var PKG = "squashfs-tools";

/** Quiet unless -v: mksquashfs and unsquashfs talk a lot. */
function chatter(): string[] {
  return log.enabled(log.LL_VERBOSE) ? [] : ["-quiet", "-no-progress"];
}

/** SquashFS file `file` from the image directory dir, compressed with
    compression (any mksquashfs -comp value), files all root's as in
    ch-convert's; pseudo: mksquashfs -p definitions of entries to add
    (mount points dir lacks). Written beside file, then renamed over it. */
export function toSquash(sys: Sys, dir: string, file: string, compression: string, pseudo: string[],
                         env: Getenv): void {
  writeBeside(sys, file, function (tmp) {
    var argv = ["mksquashfs", dir, tmp, "-noappend", "-all-root", "-comp", compression, "-b", "65536",
                "-mkfs-time", "0"].concat(chatter());
    for (var i = 0; i < pseudo.length; i++)
      argv.push("-p", pseudo[i]);
    runProgram(sys, argv, env, PKG);
  });
}

export interface SquashListing {
  /** Device nodes, FIFOs and sockets, which an unprivileged unsquashfs
      can't make. */
  specials: string[];
  /** Entries not owned by root (user and group 0). */
  owned: string[];
}

/** What of SquashFS file `file` (paths relative to its root) a user can't
    have: from unsquashfs's listing, written to listFile. */
export function squashListing(sys: Sys, file: string, listFile: string, env: Getenv): SquashListing {
  try {
    runProgram(sys, ["unsquashfs", "-lln", "-no-progress", "-d", "", file], env, PKG, listFile);
    var lines = readFile(sys, listFile).split("\n");
  } finally {
    removeTreeIfAny(sys, listFile);
  }
  var out: SquashListing = { specials: [], owned: [] };
  // e.g. "crw-rw-rw- 0/0   1,  3 2026-12-06 08:27 /dev/null"; a name with a
  // newline in it can only add names here, which keeps the rest out.
  var entry = /^(.)[-rwxsStT]{9} (\d+)\/(\d+) .* \d{4}-\d\d-\d\d \d\d:\d\d \/(.+)$/;
  for (var i = 0; i < lines.length; i++) {
    var m = entry.exec(lines[i]);
    if (m === null)
      continue;
    if ("cbps".indexOf(m[1]) >= 0)
      out.specials.push(m[4]);
    if (m[2] !== "0" || m[3] !== "0")
      out.owned.push(m[4]);
  }
  return out;
}

/** Unpack SquashFS file `file` into directory dir (which may exist),
    leaving out the paths in exclude. */
export function fromSquash(sys: Sys, file: string, dir: string, exclude: string[], env: Getenv): void {
  var argv = ["unsquashfs", "-f", "-no-xattrs", "-d", dir].concat(chatter());
  if (exclude.length > 0)
    argv = argv.concat(["-excludes", "-no-wildcards", file], exclude);
  else
    argv.push(file);
  runProgram(sys, argv, env, PKG);
}
