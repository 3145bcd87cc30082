// `skiff [OPTION...] COMMAND [ARG...]` for every COMMAND but a plain
// `skiff run ...`: skiff's own options, `skiff help`, and finding a command
// in the table (commands.ts). Part of the images unit, with the commands
// it finds, so that a launch loads neither the table nor this code.

import { argpParse, ArgpIO, exitWithHelp, HELP_STD_HELP, usageError, withArgpOptions } from "./argp";
import { Command, commandHelpDoc, commandNames, findCommand, skiffHelpDoc } from "./commands";
import { EX_USAGE, Exit, EXIT_FAILURE, fail } from "../log/fail";
import { Getenv } from "../sys/sys";

/** An unknown COMMAND (of skiff or of skiff help): name the commands. */
function unknownCommand(name: string): never {
  return fail("unknown command: " + name, undefined,
              { hint: "COMMAND is one of: " + commandNames().join(", ") + "; see skiff help", exitCode: EX_USAGE });
}

/** `skiff help [COMMAND]`: skiff's help, or COMMAND's --help. */
function help(io: ArgpIO, args: string[], env: Getenv): never {
  var own = commandHelpDoc(findCommand("help") as Command, io.name);
  var operands = argpParse(own, args, env("POSIXLY_CORRECT") !== undefined, io, function () {});
  if (operands.length > 1)
    usageError(withArgpOptions(own), io, "too many arguments: " + operands[1]);
  var doc = skiffHelpDoc();
  io.name = "skiff";
  if (operands.length > 0) {
    var c = findCommand(operands[0]);
    if (c === undefined)
      return unknownCommand(operands[0]);
    io.name = "skiff " + c.name;
    doc = commandHelpDoc(c, io.name);
  }
  return exitWithHelp(withArgpOptions(doc), io, HELP_STD_HELP, io.stdout, 0);
}

/** skiff's own options; returns COMMAND and its arguments. */
function skiffOptions(io: ArgpIO, args: string[], version: string): string[] {
  var doc = skiffHelpDoc();
  var rest = argpParse(doc, args, true, io, function (key) {
    if (key === "h")
      exitWithHelp(withArgpOptions(doc), io, HELP_STD_HELP, io.stdout, 0);
    io.stderr(version + "\n"); // --version
    throw new Exit(0);
  });
  if (rest.length === 0)
    return exitWithHelp(withArgpOptions(doc), io, HELP_STD_HELP, io.stderr, EXIT_FAILURE);
  return rest;
}

/** skiff's options, then COMMAND: returns COMMAND's name and arguments, for
    run or one of the image commands, with io named for COMMAND; does `skiff
    help`, skiff's own options and the errors itself. */
export function skiffCommand(io: ArgpIO, args: string[], env: Getenv, version: string): string[] {
  var rest = args.length > 0 && args[0].charAt(0) !== "-" ? args : skiffOptions(io, args, version);
  var c = findCommand(rest[0]);
  if (c === undefined)
    return unknownCommand(rest[0]);
  io.argv0 += " " + c.name;
  io.name = "skiff " + c.name;
  if (c.name === "help")
    return help(io, rest.slice(1), env);
  return rest;
}
