// A command-line parser with glibc argp/getopt_long semantics, because job
// scripts rely on them (doc/command-line.md §1.1): options are permuted (they may
// follow IMAGE) until "--", unless POSIXLY_CORRECT is set; short options
// cluster (-vvv, -u0, -W4m); a required argument may be attached or the
// next word; an optional argument is taken only when attached (-W4m,
// --write-fake=4m); long options may be abbreviated to any unambiguous
// prefix. argp's own options (--help, --usage and the hidden
// --program-name and --HANG) are added after the program's. Errors print
// getopt's messages, prefixed with argv[0] as typed, then argp's "Try ..."
// line, and exit 64.

import { EX_USAGE, Exit } from "../log/fail";
import { readable } from "../log/readable";
import { strtol10 } from "../sys/strtol";

export type ArgKind = "none" | "required" | "optional";

export interface OptionSpec {
  long?: string;
  short?: string;
  arg: ArgKind;
  /** Placeholder shown in help, e.g. "SRC[:DST]". */
  argName?: string;
  /** One line for --help (as ch-run's). The core program's options have
      neither this nor argName but texts (scripts/bundle.mjs): a launch
      parses options, only help shows them (src/cli/help.ts). */
  help: string;
  texts?: number;
  /** Longer description for the man page and README, which
      scripts/gen-docs.ts makes from the sources: the program's bundles
      leave it out (scripts/bundle.mjs), so the program never reads it. */
  doc?: string;
  /** Accepted but not shown in help. */
  hidden?: boolean;
  /** argp help group; -1 sorts last. */
  group?: number;
}

/** What the options do: called in command-line order with an option's
    key (optionKey()) and its argument, undefined if none. One function
    for all: no closure to make for each option at each parse. */
export type Handler = (key: string, value: string | undefined) => void;

/** An option's name among a Handler's keys: its long name, else its short one. */
export function optionKey(s: OptionSpec): string {
  return s.long !== undefined ? s.long : s.short as string;
}

/** What a help text is about: argp's `struct argp` minus the parser. */
export interface HelpDoc {
  options: OptionSpec[];
  /** e.g. "IMAGE -- COMMAND [ARG...]"; "" if none. */
  argsDoc: string;
  /** Text before the options; "\v" separates it from the text after. */
  doc: string;
}

// argp_help() flags.
var HELP_USAGE = 1;
var HELP_SHORT_USAGE = 2;
var HELP_SEE = 4;
var HELP_LONG = 8;
var HELP_PRE_DOC = 16;
var HELP_POST_DOC = 32;
/** --help, and ch-run's help when no IMAGE is given. */
export var HELP_STD_HELP = HELP_SHORT_USAGE | HELP_PRE_DOC | HELP_LONG | HELP_POST_DOC;

/** What parsing needs from the process. */
export interface ArgpIO {
  /** argv[0] as typed: getopt's messages start with it. */
  argv0: string;
  /** Short program name: argp's help and "Try" line use it. */
  name: string;
  stdout(text: string): void;
  stderr(text: string): void;
  /** argp's help text (flags: HELP_*) for doc, laid out as ARGP_HELP_FMT
      says, else in the program's default format. */
  renderHelp(doc: HelpDoc, flags: number): string;
  /** --program-name=NAME: argp renames the program for its messages. */
  rename(name: string): void;
  sleep(seconds: number): void;
}

/** argp's own options (argp_default_options), as argp parses and
    documents them after the program's. */
export var ARGP_OPTIONS: OptionSpec[] = [
  { short: "?", long: "help", arg: "none", help: "Give this help list", group: -1 },
  { long: "usage", arg: "none", help: "Give a short usage message", group: -1 },
  { long: "program-name", arg: "required", argName: "NAME", help: "Set the program name", hidden: true, group: -1 },
  { long: "HANG", arg: "optional", argName: "SECS", help: "Hang for SECS seconds (default 3600)", hidden: true,
    group: -1 },
];

/** The program's options followed by argp's own. */
export function withArgpOptions(doc: HelpDoc): HelpDoc {
  return { options: doc.options.concat(ARGP_OPTIONS), argsDoc: doc.argsDoc, doc: doc.doc };
}

/** What argp's own options do (doc: the program's and argp's options). */
function argpOption(doc: HelpDoc, io: ArgpIO, key: string, v: string | undefined): void {
  switch (key) {
    case "help": exitWithHelp(doc, io, HELP_STD_HELP, io.stdout, 0); break;
    case "usage": exitWithHelp(doc, io, HELP_USAGE, io.stdout, 0); break;
    case "program-name":
      io.name = (v as string).slice((v as string).lastIndexOf("/") + 1);
      io.rename(io.name);
      break;
    case "HANG": io.sleep(Math.max(0, strtol10(v === undefined ? "3600" : v).value)); break;
  }
}

/** Print argp help (flags) for the program to write, then end parsing. */
export function exitWithHelp(doc: HelpDoc, io: ArgpIO, flags: number, write: (text: string) => void,
                             code: number): never {
  write(io.renderHelp(doc, flags));
  throw new Exit(code);
}

/** A usage error: getopt's (or argp_error's) message, argp's pointer to
    --help, exit 64. */
export function usageError(doc: HelpDoc, io: ArgpIO, message: string): never {
  io.stderr(readable(io.argv0 + ": " + message) + "\n");
  return exitWithHelp(doc, io, HELP_SEE, io.stderr, EX_USAGE);
}

/** Parse args (argv without argv[0]) against the program's options plus
    argp's, calling handler for each of doc's options in order; returns the
    non-option arguments, IMAGE first. Throws Exit for --help, --usage and
    usage errors. */
export function argpParse(doc: HelpDoc, args: string[], posixlyCorrect: boolean, io: ArgpIO,
                          handler: Handler): string[] {
  var all = withArgpOptions(doc);
  var handle = function (spec: OptionSpec, value: string | undefined): void {
    if (ARGP_OPTIONS.indexOf(spec) >= 0)
      argpOption(all, io, optionKey(spec), value);
    else
      handler(optionKey(spec), value);
  };
  var positional: string[] = [];
  var i = 0;
  while (i < args.length) {
    var a = args[i++];
    if (a === "--") {
      positional.push.apply(positional, args.slice(i));
      break;
    }
    if (a.length > 2 && a.slice(0, 2) === "--") {
      i = parseLong(all, io, args, i, a.slice(2), handle);
    } else if (a.length > 1 && a.charAt(0) === "-") {
      i = parseShortCluster(all, io, args, i, a.slice(1), handle);
    } else {
      positional.push(a);
      if (posixlyCorrect) {
        positional.push.apply(positional, args.slice(i));
        break;
      }
    }
  }
  return positional;
}

/** getopt's long-option lookup: an exact match, else the one option the
    name abbreviates; several → ambiguous (listed in table order). */
function findLong(doc: HelpDoc, io: ArgpIO, name: string, text: string): OptionSpec {
  var specs = doc.options;
  var prefixed: OptionSpec[] = [];
  for (var i = 0; i < specs.length; i++) {
    var l = specs[i].long;
    if (l === name)
      return specs[i];
    if (l !== undefined && l.slice(0, name.length) === name)
      prefixed.push(specs[i]);
  }
  if (prefixed.length === 1)
    return prefixed[0];
  if (prefixed.length === 0)
    return usageError(doc, io, "unrecognized option '--" + text + "'");
  var names = "";
  for (var j = 0; j < prefixed.length; j++)
    names += " '--" + prefixed[j].long + "'";
  return usageError(doc, io, "option '--" + text + "' is ambiguous; possibilities:" + names);
}

type Handle = (spec: OptionSpec, value: string | undefined) => void;

function parseLong(doc: HelpDoc, io: ArgpIO, args: string[], i: number, text: string, handle: Handle): number {
  var eq = text.indexOf("=");
  var name = eq >= 0 ? text.slice(0, eq) : text;
  var value = eq >= 0 ? text.slice(eq + 1) : undefined;
  var spec = findLong(doc, io, name, text);
  if (spec.arg === "none" && value !== undefined)
    usageError(doc, io, "option '--" + spec.long + "' doesn't allow an argument");
  if (spec.arg === "required" && value === undefined) {
    if (i >= args.length)
      usageError(doc, io, "option '--" + spec.long + "' requires an argument");
    value = args[i++];
  }
  handle(spec, value);
  return i;
}

function parseShortCluster(doc: HelpDoc, io: ArgpIO, args: string[], i: number, cluster: string,
                           handle: Handle): number {
  for (var k = 0; k < cluster.length; k++) {
    var c = cluster.charAt(k);
    var spec: OptionSpec | undefined = undefined;
    for (var j = 0, specs = doc.options; j < specs.length && spec === undefined; j++)
      if (specs[j].short === c)
        spec = specs[j];
    if (spec === undefined)
      return usageError(doc, io, "invalid option -- '" + c + "'");
    if (spec.arg === "none") {
      handle(spec, undefined);
      continue;
    }
    var rest = cluster.slice(k + 1);
    if (rest !== "") {
      handle(spec, rest);
    } else if (spec.arg === "required") {
      if (i >= args.length)
        usageError(doc, io, "option requires an argument -- '" + c + "'");
      handle(spec, args[i++]);
    } else {
      handle(spec, undefined);
    }
    break;
  }
  return i;
}
