// The images unit (src/unit/unit.ts): the commands that get, list and
// change images, with the storage/ code they use, which a plain `skiff
// run` never loads. One file a command.

import { CommandMain } from "../cli/commands";
import { convert } from "./convert";
import { images } from "./images";
import { importImage } from "./import";
import { pull } from "./pull";
import { rm } from "./rm";

export { skiffCommand } from "../cli/skiff";

/** Each command of src/cli/commands.ts's table but run and help, by name. */
export var COMMANDS: { [name: string]: CommandMain } = {
  convert: convert,
  images: images,
  import: importImage,
  pull: pull,
  rm: rm,
};

/** The commands that load libraries (libarchive, libcurl, libcrypto): the
    static skiff runs them in skiff-dynamic (src/linkage/linkage.ts). */
export var NEEDS_LIBRARIES = ["convert", "import", "pull"];
