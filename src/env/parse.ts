// The --set-env file and argument syntax (doc/environment.md §2.3): ch-run's
// env_file_read() and env_var_parse().

import { fail } from "../log/fail";

/** ch-run env_var_parse(): split one record at its first `=` and strip one
    pair of enclosing single quotes from the value. where names the record
    in error messages (`FILE:LINE`, or the argument itself). */
function parseRecord(record: string, where: string): [string, string] {
  var eq = record.indexOf("=");
  if (eq < 0)
    fail("can't parse variable: no delimiter: " + where);
  if (eq === 0)
    fail("can't parse variable: empty name: " + where);
  var value = record.slice(eq + 1);
  if (value.length >= 2 && value.charAt(0) === "'" && value.charAt(value.length - 1) === "'")
    value = value.slice(1, -1);
  return [record.slice(0, eq), value];
}

/** ch-run env_file_read(): the variables of a --set-env (delimiter "\n") or
    --set-env0 ("\0") file, in file order. As with getdelim(), a final
    delimiter ends the last record rather than starting an empty one. Each
    record loses one trailing newline and, being a C string, ends at its
    first NUL; empty records are skipped but still count as lines. Names,
    values, `#`, `"`, `\` and `\r` are otherwise verbatim. */
export function parseEnvRecords(text: string, delimiter: "\n" | "\0", source: string): Array<[string, string]> {
  var records = text.split(delimiter);
  if (records[records.length - 1] === "")
    records.pop();
  var vars: Array<[string, string]> = [];
  for (var i = 0; i < records.length; i++) {
    var record = records[i];
    if (record.charAt(record.length - 1) === "\n")
      record = record.slice(0, -1);
    var nul = record.indexOf("\0");
    if (nul >= 0)
      record = record.slice(0, nul);
    if (record === "")
      continue;
    vars.push(parseRecord(record, source + ":" + (i + 1)));
  }
  return vars;
}

/** `--set-env=NAME=VALUE`: one assignment, parsed like a file line but
    reported by the argument text itself (ch-run env_var_parse() with no
    path), e.g. `can't parse variable: empty name: =bar`. */
export function parseEnvAssignment(arg: string): [string, string] {
  return parseRecord(arg, arg);
}
