// The images unit (src/unit/unit.ts): the commands that get, list and
// change images, with the storage/ code they use, which a plain `skiff
// run` never loads. One file a command.

import { CommandMain } from "../cli/commands";
import { execDynamic, linkedStatically } from "../linkage/linkage";
import { convert } from "./convert";
import { images } from "./images";
import { importImage } from "./import";
import { pull } from "./pull";
import { rm } from "./rm";

export { skiffCommand } from "../cli/skiff";

/** main, or skiff-dynamic where this binary can't load the libraries
    main needs (src/linkage/linkage.ts). */
function withLibraries(name: string, main: CommandMain): CommandMain {
  return function (sys, args, io) {
    return linkedStatically() ? execDynamic(sys, "skiff " + name) : main(sys, args, io);
  };
}

/** Each command of src/cli/commands.ts's table but run and help, by name. */
export var COMMANDS: { [name: string]: CommandMain } = {
  convert: withLibraries("convert", convert),
  images: images,
  import: withLibraries("import", importImage),
  pull: withLibraries("pull", pull),
  rm: rm,
};
