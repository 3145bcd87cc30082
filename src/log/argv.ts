// ch-run's argv_to_string() (doc/diagnostics.md §6.4): arguments joined by spaces,
// quoted if they contain white space, non-printable or non-ASCII
// characters, or shell metacharacters; ! " $ \ ` are also backslashed. An
// empty argument stays empty, as in ch-run (two spaces in a row).

/** A character that is not printable ASCII, or is one of the shell's
    !"#$%&'()*;<=>?[\]^`{|}~ (the complement of the characters that need no
    quotes). One negated class: for Duktape's regexp engine, an alternation
    of two classes cost twice the instructions, an anchored match of the
    safe characters 5% more, and a loop calling charCodeAt and indexOf per
    character three times as many. */
var NEEDS_QUOTES = /[^+,\-./0-9:@A-Z_a-z]/;
var ESCAPE = /([!"$\\`])/g;

export function argvToString(argv: string[]): string {
  // Usually none needs quotes: one match for all of them (a match's set-up
  // costs Duktape more than a short argument's characters).
  if (!NEEDS_QUOTES.test(argv.join(",")))
    return argv.join(" ");
  var out: string[] = [];
  for (var i = 0; i < argv.length; i++) {
    var a = argv[i];
    out.push(NEEDS_QUOTES.test(a) ? "\"" + a.replace(ESCAPE, "\\$1") + "\"" : a);
  }
  return out.join(" ");
}

/** The line ch-run sends to syslog for every invocation (its audit trail). */
export function invocationLine(uid: number, argv: string[]): string {
  return "uid=" + uid + " args=" + argv.length + ": " + argvToString(argv);
}
