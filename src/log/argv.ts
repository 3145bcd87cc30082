// ch-run's argv_to_string() (reference §6.4): arguments joined by spaces,
// quoted if they contain white space, non-printable or non-ASCII
// characters, or shell metacharacters; ! " $ \ ` are also backslashed. An
// empty argument stays empty, as in ch-run (two spaces in a row).

var SHELL_SPECIAL = "!\"$\\`#%&'()*;<=>?[]^{|}~";
var ESCAPE = /([!"$\\`])/g;

/** A loop, not a regular expression: Duktape's regexp engine made this
    2% of a launch's instructions. */
function needsQuotes(a: string): boolean {
  for (var i = 0; i < a.length; i++) {
    var c = a.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || SHELL_SPECIAL.indexOf(a.charAt(i)) >= 0)
      return true;
  }
  return false;
}

export function argvToString(argv: string[]): string {
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
