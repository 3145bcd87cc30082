import { fail } from "../log/fail";

var INT_MAX = 2147483647;
var INT_MIN = -2147483648;

/** ch-run's parse_int(): strtol base 10 into an int. Leading white space and
    a sign are allowed; errors name tag (an option or variable). With
    extraOk, trailing characters are ignored (as for Slurm's "2(x3)"). */
export function parseInt10(s: string, extraOk: boolean, tag: string): number {
  var m = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)/.exec(s) as RegExpExecArray;
  if (m[2] === "")
    return fail(tag + ": no digits found");
  var value = Number(m[2]) * (m[1] === "-" ? -1 : 1);
  if (value > INT_MAX || value < INT_MIN)
    return fail(tag + ": out of range");
  if (!extraOk && m[0].length !== s.length)
    return fail(tag + ": extra characters after digits");
  return value;
}
