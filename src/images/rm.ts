// `skiff rm NAME...`: remove images from storage (doc/commands.md).

import { CommandIO } from "../cli/commands";
import { nameToPath } from "../image/image";
import { EXIT_FAILURE, fail } from "../log/fail";
import * as log from "../log/log";
import { removeImage } from "../storage/storage";
import { statOrNull, Sys } from "../sys/sys";
import { parseArgs } from "./args";

export function rm(sys: Sys, args: string[], io: CommandIO): number {
  var a = parseArgs("rm", args, io, 1, -1, {});
  // All or none: every name is checked before anything is removed.
  for (var i = 0; i < a.operands.length; i++)
    if (statOrNull(sys, nameToPath(a.operands[i], a.storage), false) === null)
      fail("image not found, can't delete: " + a.operands[i], undefined, {
        hint: "skiff images lists the images in " + a.storage,
        exitCode: EXIT_FAILURE,
      });
  for (var j = 0; j < a.operands.length; j++) {
    log.verbose("removing image: " + a.operands[j]);
    removeImage(sys, a.storage, a.operands[j]);
  }
  return 0;
}
