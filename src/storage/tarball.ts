// Tar archives from image directories, by GNU tar (doc/commands.md,
// "skiff convert"); reading them is archive/'s job.

import { Getenv, Sys } from "../sys/sys";
import { runProgram, writeBeside } from "./program";

/** tar's compression option for an archive named file, by its suffix. */
function tarCompression(file: string): string[] {
  if (/\.(tar\.gz|tgz)$/.test(file))
    return ["--gzip"];
  if (/\.(tar\.zst|tzst)$/.test(file))
    return ["--zstd"];
  if (/\.(tar\.xz|txz)$/.test(file))
    return ["--xz"];
  if (/\.(tar\.bz2|tbz2?)$/.test(file))
    return ["--bzip2"];
  return [];
}

/** Tar archive `file` of the image directory dir (its root's entries at
    the top, as docker save's layers and ch-convert's), files all root's;
    written beside file, then renamed over it. */
export function toTar(sys: Sys, dir: string, file: string, env: Getenv): void {
  writeBeside(sys, file, function (tmp) {
    runProgram(sys, ["tar", "--create", "--file", tmp, "--directory", dir, "--numeric-owner", "--owner=0",
                     "--group=0"].concat(tarCompression(file), ["--", "."]), env, "tar");
  });
}
