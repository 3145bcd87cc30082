// strtol(3) in base 10, the one way skiff reads a whole number from the
// command line or the environment (as ch-run does, through strtol): white
// space, a sign, digits; what follows is the caller's to judge.

export interface Strtol {
  /** The number read; 0 if there were no digits. */
  value: number;
  /** Index just past the digits; 0 if there were none (strtol's endptr). */
  end: number;
}

export function strtol10(s: string): Strtol {
  var m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(s);
  return m === null ? { value: 0, end: 0 } : { value: Number(m[1]), end: m[0].length };
}
