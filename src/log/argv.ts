// ch-run's argv_to_string() (reference §6.4): arguments joined by spaces,
// quoted if they contain white space, non-printable or non-ASCII
// characters, or shell metacharacters; ! " $ \ ` are also backslashed.

var NEEDS_QUOTES = /[^\x21-\x7e]|[!"$\\`#%&'()*;<=>?[\]^{|}~]/;
var ESCAPE = /([!"$\\`])/g;

export function argvToString(argv: string[]): string {
  var out: string[] = [];
  for (var i = 0; i < argv.length; i++) {
    var a = argv[i];
    out.push(NEEDS_QUOTES.test(a) || a === "" ? "\"" + a.replace(ESCAPE, "\\$1") + "\"" : a);
  }
  return out.join(" ");
}
