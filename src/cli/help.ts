// argp's help (--help, --usage, the help printed when no IMAGE is given and
// the "Try ..." line after a usage error), from glibc's argp itself, as
// ch-run prints it: this unit only hands it the option table and guards
// it against the ARGP_HELP_FMT values that make it loop.

import { HelpDoc, OptionSpec } from "./argp";
import { strtol10 } from "../sys/strtol";
import { Getenv, Sys } from "../sys/sys";

/** ch-run's layout, which it sets in ARGP_HELP_FMT unless the user has. */
export var CH_RUN_HELP_FORMAT = "opt-doc-col=27,no-dup-args-note";

// argp's layout parameters that are columns, then its right margin, with
// their defaults.
var COLUMNS = ["short-opt-col", "long-opt-col", "doc-opt-col", "opt-doc-col", "header-col", "usage-indent"];
var DEFAULTS: { [name: string]: number } = {
  "short-opt-col": 2, "long-opt-col": 6, "doc-opt-col": 2, "opt-doc-col": 29, "header-col": 1,
  "usage-indent": 12, "rmargin": 79,
};
var FLAGS = ["dup-args", "dup-args-note"];

function isSpace(c: string): boolean {
  return c !== "" && " \t\n\v\f\r".indexOf(c) >= 0;
}

/** Read an ARGP_HELP_FMT value as argp's fill_in_uparams() does; its
    complaints go to complain, as argp words them. Returns the columns and
    the margin it sets (the flags don't matter here). */
function readHelpFormat(spec: string, complain: (msg: string) => void): { [name: string]: number } {
  var values: { [name: string]: number } = {};
  for (var n in DEFAULTS)
    values[n] = DEFAULTS[n];
  var i = 0;
  while (i < spec.length) {
    while (isSpace(spec.charAt(i)))
      i++;
    if (!/[A-Za-z]/.test(spec.charAt(i))) {
      if (i < spec.length)
        complain("Garbage in ARGP_HELP_FMT: " + spec.slice(i));
      break;
    }
    var start = i;
    while (/[A-Za-z0-9_-]/.test(spec.charAt(i)))
      i++;
    var name = spec.slice(start, i);
    while (isSpace(spec.charAt(i)))
      i++;
    var unspec = i >= spec.length || spec.charAt(i) === ",";
    var val = 0;
    if (unspec) {
      val = name.slice(0, 3) === "no-" ? 0 : 1;
      if (val === 0)
        name = name.slice(3);
    } else {
      if (spec.charAt(i) === "=")
        i++;
      while (isSpace(spec.charAt(i)))
        i++;
      if (spec.charAt(i) >= "0" && spec.charAt(i) <= "9") {
        var digits = strtol10(spec.slice(i));
        val = digits.value;
        i += digits.end;
        while (isSpace(spec.charAt(i)))
          i++;
      }
    }
    var known = Object.prototype.hasOwnProperty.call(DEFAULTS, name);
    if (!known && FLAGS.indexOf(name) < 0)
      complain(name + ": Unknown ARGP_HELP_FMT parameter");
    else if (unspec && known)
      complain(name + ": ARGP_HELP_FMT parameter requires a value");
    else if (known)
      values[name] = val;
    if (spec.charAt(i) === ",")
      i++;
  }
  return values;
}

/** The column that the ARGP_HELP_FMT value puts at or past the right
    margin, if any: glibc 2.36's argp then prints blank lines forever (or
    crashes), where newer argp (gnulib's validate_uparams) says so and
    keeps its defaults, as skiff does. */
function columnPastMargin(spec: string, complain: (msg: string) => void): string | undefined {
  var values = readHelpFormat(spec, complain);
  for (var i = 0; i < COLUMNS.length; i++)
    if (values[COLUMNS[i]] >= values.rmargin)
      return COLUMNS[i];
  return undefined;
}

// struct argp_option's flags.
var OPTION_ARG_OPTIONAL = 1;
var OPTION_HIDDEN = 2;

/** The core program's options' [argName or null, help], by their texts:
    scripts/bundle.mjs moves them here. Run from the sources (the unit
    tests), the options have their own. */
declare var OPTION_TEXTS: Array<[string | null, string]>;

/** doc's options as struct argp_option rows; an option without a short
    name gets a key past any character, as argp wants. */
function argpOptions(options: OptionSpec[]): ArgpOptionRow[] {
  var rows: ArgpOptionRow[] = [];
  var moved: Array<[string | null, string]> | null = null;
  for (var i = 0; i < options.length; i++) {
    var s = options[i];
    var texts: [string | null, string] = [s.argName === undefined ? null : s.argName, s.help];
    if (s.texts !== undefined)
      texts = (moved = moved || OPTION_TEXTS)[s.texts];
    rows.push({
      name: s.long === undefined ? null : s.long,
      key: s.short === undefined ? 256 + i : s.short.charCodeAt(0),
      arg: texts[0],
      flags: (s.arg === "optional" ? OPTION_ARG_OPTIONAL : 0) | (s.hidden ? OPTION_HIDDEN : 0),
      doc: texts[1],
      group: s.group || 0,
    });
  }
  return rows;
}

/** argp's help made in a child process, which writes argp's complaints
    to stderr: some small margins make glibc 2.36's argp overrun its buffer
    and die (ch-run with it), which must not take skiff along. Null if the
    child failed. */
function helpInChild(sys: Sys, rows: ArgpOptionRow[], doc: HelpDoc, flags: number, name: string,
                     stderr: (text: string) => void): string | null {
  var fds = sys.pipe();
  var pid = sys.fork();
  if (pid === 0) {
    var r = sys.argp_help(rows, doc.argsDoc || null, doc.doc, flags, name);
    stderr(r[1]);
    for (var help = r[0]; help !== ""; )
      help = help.slice(sys.write(fds[1], help));
    return sys.exit(0);
  }
  sys.close(fds[1]);
  var text = "";
  for (var chunk = sys.read(fds[0], 65536); chunk !== ""; chunk = sys.read(fds[0], 65536))
    text += chunk;
  sys.close(fds[0]);
  return sys.waitpid(pid)[1] === 0 ? text : null;
}

/** argp's help text (flags: HELP_*) for doc, under the program name argp
    shows, laid out as ARGP_HELP_FMT says (ch-run's layout if unset).
    argp's complaints about ARGP_HELP_FMT go to stderr; a value argp can't
    lay out is refused, as newer argp does, for argp's defaults. */
export function argpHelp(sys: Sys, doc: HelpDoc, name: string, flags: number, env: Getenv,
                         stderr: (text: string) => void): string {
  var rows = argpOptions(doc.options);
  var format = env("ARGP_HELP_FMT");
  if (format === undefined) {
    format = CH_RUN_HELP_FORMAT;
  } else {
    var complaints = "";
    var column = columnPastMargin(format, function (msg) { complaints += name + ": " + msg + "\n"; });
    var refusal = "rmargin value is less than or equal to " + column;
    if (column === undefined) {
      sys.setenv("ARGP_HELP_FMT", format);
      var help = helpInChild(sys, rows, doc, flags, name, stderr);
      if (help !== null)
        return help;
      refusal = "argp's help crashed with this value";
    }
    stderr(complaints + name + ": ARGP_HELP_FMT: " + refusal + "\n");
    format = "";
  }
  sys.setenv("ARGP_HELP_FMT", format);
  var r = sys.argp_help(rows, doc.argsDoc || null, doc.doc, flags, name);
  stderr(r[1]);
  return r[0];
}
