// argp's help output (glibc argp-help.c), so that `--help`, `--usage`, the
// help printed when no IMAGE is given and the "Try ..." line after a usage
// error come out exactly as ch-run's: options sorted as argp sorts them,
// laid out in argp's columns and wrapped by its stream, with the user's
// ARGP_HELP_FMT honoured.

import { FmtStream } from "./fmtstream";
import {
  HELP_LONG, HELP_POST_DOC, HELP_PRE_DOC, HELP_SEE, HELP_SHORT_USAGE, HELP_USAGE, HelpDoc, OptionSpec,
} from "./argp";

/** argp's layout parameters (its `uparams`). */
export interface HelpFormat {
  dupArgs: boolean;
  dupArgsNote: boolean;
  shortOptCol: number;
  longOptCol: number;
  docOptCol: number;
  optDocCol: number;
  headerCol: number;
  usageIndent: number;
  rmargin: number;
}

/** argp's defaults, before any ARGP_HELP_FMT. */
function defaultHelpFormat(): HelpFormat {
  return { dupArgs: false, dupArgsNote: true, shortOptCol: 2, longOptCol: 6, docOptCol: 2, optDocCol: 29,
           headerCol: 1, usageIndent: 12, rmargin: 79 };
}

var PARAMS: { [name: string]: { field: keyof HelpFormat; bool: boolean } } = {
  "dup-args": { field: "dupArgs", bool: true },
  "dup-args-note": { field: "dupArgsNote", bool: true },
  "short-opt-col": { field: "shortOptCol", bool: false },
  "long-opt-col": { field: "longOptCol", bool: false },
  "doc-opt-col": { field: "docOptCol", bool: false },
  "opt-doc-col": { field: "optDocCol", bool: false },
  "header-col": { field: "headerCol", bool: false },
  "usage-indent": { field: "usageIndent", bool: false },
  "rmargin": { field: "rmargin", bool: false },
};

function isSpace(c: string): boolean {
  return c !== "" && " \t\n\v\f\r".indexOf(c) >= 0;
}

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9" && c.length === 1;
}

/** Apply an ARGP_HELP_FMT value (`NAME=N,BOOL,no-BOOL,...`) to fmt as
    argp's fill_in_uparams() does; complaints go to warn, as argp prints
    them, and do not stop the help. */
function applyHelpFormat(fmt: HelpFormat, spec: string, warn: (msg: string) => void): void {
  var i = 0;
  function skipSpace(): void {
    while (i < spec.length && isSpace(spec.charAt(i)))
      i++;
  }
  while (i < spec.length) {
    skipSpace();
    if (/[A-Za-z]/.test(spec.charAt(i))) {
      var start = i;
      while (/[A-Za-z0-9_-]/.test(spec.charAt(i)))
        i++;
      var name = spec.slice(start, i);
      skipSpace();
      var unspec = i >= spec.length || spec.charAt(i) === ",";
      var val = 0;
      if (!unspec && spec.charAt(i) === "=") {
        i++;
        skipSpace();
      }
      if (unspec) {
        if (name.slice(0, 3) === "no-") {
          name = name.slice(3);
          val = 0;
        } else {
          val = 1;
        }
      } else if (isDigit(spec.charAt(i))) {
        var digits = i;
        while (isDigit(spec.charAt(i)))
          i++;
        val = Number(spec.slice(digits, i));
        skipSpace();
      }
      var param = Object.prototype.hasOwnProperty.call(PARAMS, name) ? PARAMS[name] : undefined;
      if (param === undefined)
        warn(name + ": Unknown ARGP_HELP_FMT parameter");
      else if (unspec && !param.bool)
        warn(name + ": ARGP_HELP_FMT parameter requires a value");
      else
        (fmt as unknown as { [k: string]: number | boolean })[param.field] = param.bool ? val !== 0 : val;
      if (spec.charAt(i) === ",")
        i++;
    } else if (i < spec.length) {
      warn("Garbage in ARGP_HELP_FMT: " + spec.slice(i));
      break;
    }
  }
}

/** ch-run's layout, which it sets in ARGP_HELP_FMT unless the user has. */
export var CH_RUN_HELP_FORMAT = "opt-doc-col=27,no-dup-args-note";

/** The layout for an ARGP_HELP_FMT value (undefined if unset): argp's
    defaults changed by the user's value, else by ch-run's. A column at or
    past the right margin makes glibc 2.36's argp print blank lines forever
    (or crash); newer argp (gnulib's validate_uparams) then says so and
    keeps its defaults, and so does skiff. */
export function helpFormat(argpHelpFmt: string | undefined, warn: (msg: string) => void): HelpFormat {
  var fmt = defaultHelpFormat();
  applyHelpFormat(fmt, argpHelpFmt === undefined ? CH_RUN_HELP_FORMAT : argpHelpFmt, warn);
  var names = ["short-opt-col", "long-opt-col", "doc-opt-col", "opt-doc-col", "header-col", "usage-indent"];
  for (var i = 0; i < names.length; i++)
    if ((fmt[PARAMS[names[i]].field] as number) >= fmt.rmargin) {
      warn("ARGP_HELP_FMT: rmargin value is less than or equal to " + names[i]);
      return defaultHelpFormat();
    }
  return fmt;
}

/** argp's help group: 0 for the program's options, -1 for the ones that
    always come last (--help, --usage, --version and argp's hidden ones). */
function group(s: OptionSpec): number {
  return s.long === "help" || s.long === "version" ? -1 : s.group || 0;
}

function groupCmp(a: number, b: number): number {
  if (a === b)
    return 0;
  return (a < 0 && b < 0) || (a >= 0 && b >= 0) ? a - b : b - a;
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function strcasecmp(a: string, b: string): number {
  for (var i = 0; i < a.length && i < b.length; i++) {
    var d = lower(a.charCodeAt(i)) - lower(b.charCodeAt(i));
    if (d !== 0)
      return d;
  }
  return a.length - b.length;
}

/** glibc's hol_entry_cmp (a total order since 2.34): by group, then by
    first letter ignoring case, lower case first, long-only entries before
    ones with a short option, then long names. */
function entryCmp(x: OptionSpec, y: OptionSpec): number {
  var c = groupCmp(group(x), group(y));
  if (c !== 0)
    return c;
  var s1 = x.hidden || !x.short ? 0 : x.short.charCodeAt(0);
  var s2 = y.hidden || !y.short ? 0 : y.short.charCodeAt(0);
  var l1 = x.hidden ? undefined : x.long;
  var l2 = y.hidden ? undefined : y.long;
  var f1 = s1 || (l1 ? l1.charCodeAt(0) : 0);
  var f2 = s2 || (l2 ? l2.charCodeAt(0) : 0);
  c = lower(f1) - lower(f2);
  if (c !== 0)
    return c;
  c = f2 - f1;
  if (c !== 0)
    return c;
  c = (s1 !== 0 ? 1 : 0) - (s2 !== 0 ? 1 : 0);
  if (c !== 0)
    return c;
  if (s1 === 0) {
    c = (l1 !== undefined ? 1 : 0) - (l2 !== undefined ? 1 : 0);
    if (c !== 0)
      return c;
    if (l1 !== undefined && l2 !== undefined)
      return strcasecmp(l1, l2);
  }
  return 0;
}

/** Options in help order. */
export function sortForHelp(specs: OptionSpec[]): OptionSpec[] {
  var sorted = specs.slice();
  // Insertion sort: stable, and the table is small.
  for (var i = 1; i < sorted.length; i++)
    for (var j = i; j > 0 && entryCmp(sorted[j - 1], sorted[j]) > 0; j--) {
      var t = sorted[j];
      sorted[j] = sorted[j - 1];
      sorted[j - 1] = t;
    }
  return sorted;
}

function indentTo(fs: FmtStream, col: number): void {
  for (var needed = col - fs.point(); needed > 0; needed--)
    fs.putc(" ");
}

/** A space, or a newline if fewer than ensure columns are left. */
function space(fs: FmtStream, ensure: number): void {
  fs.putc(fs.point() + ensure >= fs.rmargin ? "\n" : " ");
}

function visible(specs: OptionSpec[]): OptionSpec[] {
  var out: OptionSpec[] = [];
  for (var i = 0; i < specs.length; i++)
    if (!specs[i].hidden)
      out.push(specs[i]);
  return out;
}

function printArg(fs: FmtStream, s: OptionSpec, required: string, optional: string): void {
  if (s.argName !== undefined)
    fs.printf((s.arg === "optional" ? optional : required).replace("%s", s.argName));
}

/** hol_help(): one entry per option. */
function optionsHelp(fs: FmtStream, specs: OptionSpec[], fmt: HelpFormat): void {
  var suppressedDupArg = false;
  for (var i = 0; i < specs.length; i++) {
    var s = specs[i];
    var oldLm = fs.setLmargin(0);
    var oldWm = fs.wmargin;
    var first = true;
    var comma = function (col: number): void {
      if (!first)
        fs.puts(", ");
      first = false;
      indentTo(fs, col);
    };
    fs.setWmargin(fmt.shortOptCol);
    if (s.short !== undefined) {
      comma(fmt.shortOptCol);
      fs.putc("-");
      fs.putc(s.short);
      if (s.long === undefined || fmt.dupArgs)
        printArg(fs, s, " %s", "[%s]");
      else if (s.argName !== undefined)
        suppressedDupArg = true;
    }
    fs.setWmargin(fmt.longOptCol);
    if (s.long !== undefined) {
      comma(fmt.longOptCol);
      fs.printf("--" + s.long);
      printArg(fs, s, "=%s", "[=%s]");
    }
    fs.setLmargin(0);
    if (s.help !== "") {
      var col = fs.point();
      fs.setLmargin(fmt.optDocCol);
      fs.setWmargin(fmt.optDocCol);
      if (col > fmt.optDocCol + 3)
        fs.putc("\n");
      else if (col >= fmt.optDocCol)
        fs.puts("   ");
      else
        indentTo(fs, fmt.optDocCol);
      fs.puts(s.help);
    }
    fs.setLmargin(0);
    fs.putc("\n");
    fs.setLmargin(oldLm);
    fs.setWmargin(oldWm);
  }
  if (suppressedDupArg && fmt.dupArgsNote) {
    fs.putc("\n");
    fs.puts("Mandatory or optional arguments to long options are also mandatory or "
            + "optional for any corresponding short options.");
    fs.putc("\n");
  }
}

/** hol_usage(): every option, tersely. */
function optionsUsage(fs: FmtStream, specs: OptionSpec[]): void {
  var argless = "";
  for (var i = 0; i < specs.length; i++)
    if (specs[i].short !== undefined && specs[i].argName === undefined)
      argless += specs[i].short;
  if (argless !== "")
    fs.printf(" [-" + argless + "]");
  for (var j = 0; j < specs.length; j++) {
    var s = specs[j];
    if (s.short === undefined || s.argName === undefined)
      continue;
    if (s.arg === "optional") {
      fs.printf(" [-" + s.short + "[" + s.argName + "]]");
    } else {
      space(fs, 6 + s.argName.length);
      fs.printf("[-" + s.short + " " + s.argName + "]");
    }
  }
  for (var k = 0; k < specs.length; k++) {
    var l = specs[k];
    if (l.long === undefined)
      continue;
    if (l.argName === undefined)
      fs.printf(" [--" + l.long + "]");
    else if (l.arg === "optional")
      fs.printf(" [--" + l.long + "[=" + l.argName + "]]");
    else
      fs.printf(" [--" + l.long + "=" + l.argName + "]");
  }
}

/** argp_doc(): the text before (post false) or after "\v". */
function docText(fs: FmtStream, doc: string, post: boolean, preBlank: boolean): boolean {
  var vt = doc.indexOf("\v");
  var text = post ? (vt >= 0 ? doc.slice(vt + 1) : undefined) : (vt >= 0 ? doc.slice(0, vt) : doc);
  if (text === undefined)
    return false;
  if (preBlank)
    fs.putc("\n");
  fs.puts(text);
  if (fs.point() > fs.lmargin)
    fs.putc("\n");
  return true;
}

/** argp's _help(): the parts of the help that flags ask for. name is the
    program name argp shows (its state->name). */
export function argpHelp(doc: HelpDoc, name: string, flags: number, fmt: HelpFormat): string {
  var fs = new FmtStream(fmt.rmargin);
  var specs = sortForHelp(doc.options);
  var shown = visible(specs);
  var anything = false;
  if (flags & (HELP_USAGE | HELP_SHORT_USAGE)) {
    var oldWm = fs.setWmargin(fmt.usageIndent);
    fs.printf("Usage: " + name);
    var oldLm = fs.setLmargin(fmt.usageIndent);
    if (flags & HELP_SHORT_USAGE) {
      if (specs.length > 0)
        fs.puts(" [OPTION...]");
    } else {
      optionsUsage(fs, shown);
    }
    space(fs, 1 + doc.argsDoc.length);
    fs.puts(doc.argsDoc);
    fs.setWmargin(oldWm);
    fs.setLmargin(oldLm);
    fs.putc("\n");
    anything = true;
  }
  if (flags & HELP_PRE_DOC)
    anything = docText(fs, doc.doc, false, false) || anything;
  if (flags & HELP_SEE) {
    fs.printf("Try `" + name + " --help' or `" + name + " --usage' for more information.\n");
    anything = true;
  }
  if ((flags & HELP_LONG) && specs.length > 0) {
    if (anything)
      fs.putc("\n");
    optionsHelp(fs, shown, fmt);
    anything = true;
  }
  if (flags & HELP_POST_DOC)
    docText(fs, doc.doc, true, anything);
  return fs.finish();
}
