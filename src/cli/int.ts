import { fail } from "../log/fail";

var INT_MAX = 2147483647;
var INT_MIN = -2147483648;

/** ch-run's parse_int(): strtol base 10 into an int. Leading white space and
    a sign are allowed; errors are ch-run's, `TAG: no digits found` etc.
    (tag is an option or variable), followed by the value. With extraOk,
    trailing characters are ignored (as for Slurm's "2(x3)"). */
export function parseInt10(s: string, extraOk: boolean, tag: string): number {
  var m = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)/.exec(s) as RegExpExecArray;
  if (m[2] === "")
    return fail(tag + ": no digits found: '" + s + "'", undefined, { hint: "give a whole number" });
  var value = Number(m[2]) * (m[1] === "-" ? -1 : 1);
  if (value > INT_MAX || value < INT_MIN)
    return fail(tag + ": out of range: '" + s + "'", undefined,
                { hint: "the largest is " + INT_MAX + ", the smallest " + INT_MIN });
  if (!extraOk && m[0].length !== s.length)
    return fail(tag + ": extra characters after digits: '" + s + "'", undefined,
                { hint: "give a whole number alone" });
  return value;
}
