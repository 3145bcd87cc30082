// ch-run's argv_to_string() (doc/diagnostics.md §6.4): arguments joined by spaces,
// quoted if they contain white space, non-printable or non-ASCII
// characters, or shell metacharacters; ! " $ \ ` are also backslashed. An
// empty argument stays empty, as in ch-run (two spaces in a row).

/** Does s need quotes: has it a character that is not printable ASCII,
    or white space, or one of the shell's !"#$%&'()*;<=>?[\]^`{|}~ (all but
    +,-./0-9:@A-Z_a-z)? escape() (Annex B, Duktape's C) changes every
    character but A-Z a-z 0-9 @*_+-./, so what it leaves unchanged once the
    commas and colons are gone, without a *, needs none; it refuses bytes
    that are not UTF-8 as the binding passes them, which need quotes too.
    A regexp cost Duktape ~900 instructions a character, this a few dozen. */
function needsQuotes(s: string): boolean {
  var t = s.split(",").join("").split(":").join("");
  try {
    return escape(t) !== t || t.indexOf("*") >= 0;
  } catch (e) {
    return true;
  }
}

var ESCAPE = /([!"$\\`])/g;

export function argvToString(argv: string[]): string {
  // Usually none needs quotes: one test for all of them.
  if (!needsQuotes(argv.join("")))
    return argv.join(" ");
  var out: string[] = [];
  for (var i = 0; i < argv.length; i++) {
    var a = argv[i];
    out.push(needsQuotes(a) ? "\"" + a.replace(ESCAPE, "\\$1") + "\"" : a);
  }
  return out.join(" ");
}

/** The line ch-run sends to syslog for every invocation (its audit trail). */
export function invocationLine(uid: number, argv: string[]): string {
  return "uid=" + uid + " args=" + argv.length + ": " + argvToString(argv);
}
