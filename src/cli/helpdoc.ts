// What argp's help is about and which parts to print: shared by the parser
// (core) and the help unit (cli/help.ts, loaded only to print help).

import { OptionSpec } from "./argp";

/** What a help text is about: argp's `struct argp` minus the parser. */
export interface HelpDoc {
  options: OptionSpec[];
  /** e.g. "IMAGE -- COMMAND [ARG...]" */
  argsDoc: string;
  /** Text before the options; "\v" separates it from the text after. */
  doc: string;
}

// argp_help() flags.
export var HELP_USAGE = 1;
export var HELP_SHORT_USAGE = 2;
export var HELP_SEE = 4;
export var HELP_LONG = 8;
export var HELP_PRE_DOC = 16;
export var HELP_POST_DOC = 32;
/** --help, and ch-run's help when no IMAGE is given. */
export var HELP_STD_HELP = HELP_SHORT_USAGE | HELP_PRE_DOC | HELP_LONG | HELP_POST_DOC;
