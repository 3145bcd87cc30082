import { fail } from "../log/fail";
import { strtol10 } from "../sys/strtol";

var INT_MAX = 2147483647;
var INT_MIN = -2147483648;

/** ch-run's parse_int(): strtol base 10 into an int. Leading white space and
    a sign are allowed; errors are ch-run's, `TAG: no digits found` etc.
    (tag is an option or variable), the value in the hint. With extraOk,
    trailing characters are ignored (as for Slurm's "2(x3)"). */
export function parseInt10(s: string, extraOk: boolean, tag: string): number {
  var r = strtol10(s);
  var given = tag + " is '" + s + "'; ";
  if (r.end === 0)
    return fail(tag + ": no digits found", undefined, { hint: given + "give a whole number" });
  var value = r.value;
  if (value > INT_MAX || value < INT_MIN)
    return fail(tag + ": out of range", undefined,
                { hint: given + "the largest is " + INT_MAX + ", the smallest " + INT_MIN });
  if (!extraOk && r.end !== s.length)
    return fail(tag + ": extra characters after digits", undefined, { hint: given + "give a whole number alone" });
  return value;
}
