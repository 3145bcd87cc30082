// The image commands' command lines: the command's options (its table in
// src/cli/commands.ts) parsed by argp's rules, -s and -v done here, the
// command's own options by its handlers.

import { argpParse, usageError, withArgpOptions } from "../cli/argp";
import { Command, commandHelpDoc, CommandIO, findCommand } from "../cli/commands";
import { defaultStorage } from "../cli/options";
import * as log from "../log/log";

export interface CommandArgs {
  /** The storage directory, as given. */
  storage: string;
  operands: string[];
}

/** Parse args for command name, which takes between min and max operands
    (max -1: any number); handlers are for its options other than -s and -v. */
export function parseArgs(name: string, args: string[], io: CommandIO, min: number, max: number,
                          handlers: { [key: string]: (value: string | undefined) => void }): CommandArgs {
  var c = findCommand(name) as Command;
  var parsed: CommandArgs = { storage: defaultStorage(io.env), operands: [] };
  var doc = commandHelpDoc(c, io.name);
  parsed.operands = argpParse(doc, args, io.env("POSIXLY_CORRECT") !== undefined, io, function (key, v) {
    if (key === "storage")
      parsed.storage = v as string;
    else if (key === "verbose")
      log.setVerbosity(log.verbosity() + 1);
    else
      handlers[key](v);
  });
  var n = parsed.operands.length;
  if (n < min)
    usageError(withArgpOptions(doc), io, (c.argsDoc.split(" ")[n] || "").replace(/\.\.\.$/, "") + " not specified");
  if (max >= 0 && n > max)
    usageError(withArgpOptions(doc), io, "too many arguments: " + parsed.operands[max]);
  return parsed;
}
