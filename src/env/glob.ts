// fnmatch(3) as ch-run calls it for --unset-env: glibc, flags FNM_EXTMATCH
// only (doc/environment.md §2.5), in the C locale. No FNM_PATHNAME or
// FNM_PERIOD, so `*` and `?` match `/` and a leading `.`. Results equal
// glibc's, odd corners included (the unit tests check a table and random
// patterns against glibc 2.36), but not its running time: glibc backtracks,
// so `+(+(a))b` against a 20-character name takes it exponential time. Here
// each (pattern text, substring of the name) is decided once, so the time is
// polynomial.
//
// Pattern text past its end reads as undefined, which plays the part of C's
// terminating NUL in the rules below.

import { fail } from "../log/fail";

var NOMATCH = -1;
var LITERAL = -2;

function isExtOp(c: string | undefined): boolean {
  return c === "?" || c === "*" || c === "+" || c === "@" || c === "!";
}

/** Index of the `]` closing a bracket expression that opens at p[i], as
    glibc's extglob scanner finds it (a leading `]` or `!]`/`^]` is a member),
    or -1 if there is none. Escapes are not considered, as in glibc. */
function bracketEnd(p: string, i: number): number {
  var k = i + 1;
  if (p.charAt(k) === "!" || p.charAt(k) === "^")
    k++;
  if (p.charAt(k) === "]")
    k++;
  k = p.indexOf("]", k);
  return k;
}

interface Group {
  alts: string[];
  /** Index just past the closing `)`. */
  next: number;
}

/** Split the extglob group whose `(` is p[open] into its `|` alternatives.
    Null if it never closes: glibc then reads the operator as an ordinary
    character. Backslashes do not protect `|` or `)` here (glibc neither). */
function parseGroup(p: string, open: number): Group | null {
  var alts: string[] = [];
  var level = 0;
  var start = open + 1;
  for (var k = open + 1; k < p.length; k++) {
    var c = p.charAt(k);
    if (c === "[") {
      k = bracketEnd(p, k);
      if (k < 0)
        return null;
    } else if (isExtOp(c) && p.charAt(k + 1) === "(") {
      level++;
    } else if (c === ")") {
      if (level === 0) {
        alts.push(p.slice(start, k));
        return { alts: alts, next: k + 1 };
      }
      level--;
    } else if (c === "|" && level === 0) {
      alts.push(p.slice(start, k));
      start = k + 1;
    }
  }
  return null;
}

/** Index just past the extglob group whose `(` is p[open], as glibc's END()
    finds it when a `*` skips a following group, or -1 if it never closes.
    Unlike parseGroup, it reads past a nested group's `)` one character
    without looking at it, and steps over a nested group that never closes. */
function skipGroup(p: string, open: number): number {
  for (var k = open + 1; k < p.length; k++) {
    var c = p.charAt(k);
    if (c === "[") {
      k = bracketEnd(p, k);
      if (k < 0)
        return -1;
    } else if (isExtOp(c) && p.charAt(k + 1) === "(") {
      var inner = skipGroup(p, k + 1);
      k = inner < 0 ? k + 1 : inner;
    } else if (c === ")") {
      return k + 1;
    }
  }
  return -1;
}

/** C-locale <ctype.h> classes, by name; undefined for an unknown name. */
function inClass(name: string, ch: string): boolean | undefined {
  var x = ch.charCodeAt(0);
  var upper = x >= 65 && x <= 90, lower = x >= 97 && x <= 122, digit = x >= 48 && x <= 57;
  var graph = x > 32 && x < 127;
  switch (name) {
    case "alnum": return upper || lower || digit;
    case "alpha": return upper || lower;
    case "blank": return x === 32 || x === 9;
    case "cntrl": return x < 32 || x === 127;
    case "digit": return digit;
    case "graph": return graph;
    case "lower": return lower;
    case "print": return graph || x === 32;
    case "punct": return graph && !(upper || lower || digit);
    case "space": return x === 32 || (x >= 9 && x <= 13);
    case "upper": return upper;
    case "xdigit": return digit || (x >= 65 && x <= 70) || (x >= 97 && x <= 102);
  }
  return undefined;
}

/** A collating symbol `[.c.]` starting at p[k]: [char, index past it], or
    null if malformed (glibc: no match at all). Only one-character names
    exist in the C locale. */
function collatingSymbol(p: string, k: number): [string, number] | null {
  var close = p.indexOf(".]", k + 2);
  if (close < 0 || close !== k + 3)
    return null;
  return [p.charAt(k + 2), close + 2];
}

/** Match ch against the bracket expression opening at p[i] (glibc's rules).
    Returns the index past its `]` on a match, NOMATCH, or LITERAL when the
    `[` is unterminated and must be read as an ordinary character. glibc
    decides lazily while scanning left to right, so a malformed tail after
    a member that already matched still spoils the match. */
function bracket(p: string, i: number, ch: string): number {
  var k = i + 1;
  var negate = p.charAt(k) === "!" || p.charAt(k) === "^";
  if (negate)
    k++;
  var hit = false;
  var first = true;
  while (!hit) {
    if (k >= p.length)
      return LITERAL;
    var c = p.charAt(k);
    if (c === "]" && !first)
      return negate ? k + 1 : NOMATCH;
    first = false;
    var lo: string;
    var collating = false;
    if (c === "\\") {
      if (k + 1 >= p.length)
        return NOMATCH;
      lo = p.charAt(k + 1);
      k += 2;
    } else if (c === "[" && p.charAt(k + 1) === ":") {
      var j = k + 2;
      while (!(p.charAt(j) === ":" && p.charAt(j + 1) === "]") && p.charAt(j) >= "a" && p.charAt(j) < "z")
        j++;
      if (p.charAt(j) === ":" && p.charAt(j + 1) === "]") {
        var r = inClass(p.slice(k + 2, j), ch);
        if (r === undefined)
          return NOMATCH;
        hit = r;
        k = j + 2;
        continue;  // a class cannot start a range
      }
      lo = "[";  // not a class name: `[` is a plain member
      k += 1;
    } else if (c === "[" && p.charAt(k + 1) === "=") {
      if (k + 2 < p.length && p.charAt(k + 3) === "=" && p.charAt(k + 4) === "]") {
        hit = ch === p.charAt(k + 2);
        k += 5;
        continue;
      }
      lo = "[";
      k += 1;
    } else if (c === "[" && p.charAt(k + 1) === ".") {
      var sym = collatingSymbol(p, k);
      if (!sym)
        return NOMATCH;
      lo = sym[0];
      k = sym[1];
      collating = true;
    } else {
      lo = c;
      k += 1;
    }
    // glibc's test for "this member starts a range" differs slightly from
    // the one that then parses the range; both are kept.
    var startsRange = p.charAt(k) === "-" && k + 1 < p.length && (collating || p.charAt(k + 1) !== "]");
    if (!startsRange && ch === lo) {
      hit = true;
      break;
    }
    if (p.charAt(k) === "-" && p.charAt(k + 1) !== "]") {
      k += 1;
      var hi: string;
      if (p.charAt(k) === "[" && p.charAt(k + 1) === ".") {
        var end = collatingSymbol(p, k);
        if (!end)
          return NOMATCH;
        hi = end[0];
        k = end[1];
      } else {
        if (p.charAt(k) === "\\")
          k++;
        if (k >= p.length)
          return NOMATCH;
        hi = p.charAt(k);
        k += 1;
      }
      hit = lo <= ch && ch <= hi;
    }
  }
  // Skip the rest of a set that matched; it must still be terminated.
  for (;;) {
    if (k >= p.length)
      return NOMATCH;
    var d = p.charAt(k++);
    if (d === "]")
      return negate ? NOMATCH : k;
    if (d === "\\") {
      if (k >= p.length)
        return NOMATCH;
      k++;
    } else if (d === "[" && p.charAt(k) === ":") {
      var m = k + 1;
      while (!(p.charAt(m) === ":" && p.charAt(m + 1) === "]") && p.charAt(m) >= "a" && p.charAt(m) < "z")
        m++;
      if (p.charAt(m) === ":" && p.charAt(m + 1) === "]")
        k = m + 2;
    } else if (d === "[" && p.charAt(k) === "=") {
      if (k + 1 >= p.length || p.charAt(k + 2) !== "=" || p.charAt(k + 3) !== "]")
        return NOMATCH;
      k += 4;
    } else if (d === "[" && p.charAt(k) === ".") {
      var dot = p.indexOf(".]", k + 1);
      if (dot < 0)
        return NOMATCH;
      k = dot + 2;
    }
  }
}

/** A pattern compiled once, to be matched against many names. */
export function compile(pattern: string): (name: string) => boolean {
  // Every text matched is a suffix of the pattern, an extglob alternative or
  // (as glibc pastes them) an alternative followed by the rest: a number per
  // distinct text, kept across names.
  var ids: { [hashed: string]: number } = {};
  var count = 0;
  // Per name: its text and the answers so far, keyed by text and substring.
  var s = "";
  var width = 0;
  var known: { [key: number]: boolean } = {};

  function idOf(p: string): number {
    var id = ids["#" + p];  // "#": no text is then a name Object.prototype has
    if (id === undefined)
      id = ids["#" + p] = count++;
    return id;
  }

  /** Does the whole of p match s[j, end)? */
  function match(p: string, j: number, end: number): boolean {
    var key = (idOf(p) * width + j) * width + end;
    var r = known[key];
    if (r === undefined)
      r = known[key] = decide(p, j, end);
    return r;
  }

  function decide(p: string, j: number, end: number): boolean {
    var i = 0;
    while (i < p.length) {
      var c = p.charAt(i);
      if (isExtOp(c) && p.charAt(i + 1) === "(") {
        var g = parseGroup(p, i + 1);
        if (g)
          return extMatch(c, g, p.slice(i), p.slice(g.next), j, end);
      }
      if (c === "*")
        return star(p, i, j, end);
      if (j >= end)
        return false;
      var ch = s.charAt(j);
      if (c === "?") {
        i++;
      } else if (c === "\\") {
        if (i + 1 >= p.length || p.charAt(i + 1) !== ch)
          return false;  // a trailing backslash never matches
        i += 2;
      } else if (c === "[") {
        var next = bracket(p, i, ch);
        if (next === NOMATCH)
          return false;
        if (next === LITERAL) {
          if (ch !== "[")
            return false;
          i++;
        } else {
          i = next;
        }
      } else {
        if (c !== ch)
          return false;
        i++;
      }
      j++;
    }
    return j === end;
  }

  /** A plain `*` at p[i]. Like glibc, absorb following `*`, `?` (each needs
      one character) and `?(…)`/`*(…)` groups (which add nothing), then try
      the rest at every later position — but never at the very end of the
      string, so `a*!(x)` does not match `a` in glibc and does not here. */
  function star(p: string, i: number, j: number, end: number): boolean {
    var k = i + 1;
    while (p.charAt(k) === "*" || p.charAt(k) === "?") {
      if (p.charAt(k + 1) === "(") {
        var past = skipGroup(p, k + 1);
        if (past >= 0) {
          k = past;
          continue;
        }
      }
      if (p.charAt(k) === "?") {
        if (j >= end)
          return false;
        j++;
      }
      k++;
    }
    if (k >= p.length)
      return true;
    var rest = p.slice(k);
    for (; j < end; j++)
      if (match(rest, j, end))
        return true;
    return false;
  }

  /** An extglob group: op applied to g's alternatives, followed by rest;
      whole is the pattern from op on (for `*(…)`/`+(…)` repetition). */
  function extMatch(op: string, g: Group, whole: string, rest: string, j: number, end: number): boolean {
    var a: number, r: number;
    switch (op) {
      case "?":
      case "@":
        if (op === "?" && match(rest, j, end))
          return true;
        // glibc pastes each alternative onto the rest and matches that.
        for (a = 0; a < g.alts.length; a++)
          if (match(g.alts[a] + rest, j, end))
            return true;
        return false;
      case "*":
      case "+":
        if (op === "*" && match(rest, j, end))
          return true;
        for (a = 0; a < g.alts.length; a++)
          for (r = j; r <= end; r++)
            if (match(g.alts[a], j, r) && (match(rest, r, end) || (r !== j && match(whole, r, end))))
              return true;
        return false;
      default:  // "!"
        for (r = j; r <= end; r++) {
          var any = false;
          for (a = 0; a < g.alts.length && !any; a++)
            any = match(g.alts[a], j, r);
          if (!any && match(rest, r, end))
            return true;
        }
        return false;
    }
  }

  /** glibc `fnmatch(pattern, name, FNM_EXTMATCH) == 0`, as ch-run's
      `env_unset` uses it on each variable name (§2.5). */
  return function (name: string): boolean {
    s = name;
    width = name.length + 1;
    known = {};
    try {
      return match(pattern, 0, name.length);
    } catch (e) {
      // A group such as *(A) nests a call or two per character matched: a
      // name thousands of characters long runs past the engine's call-stack
      // limit (ch-run's fnmatch overflows the C stack and crashes).
      if (e instanceof RangeError)
        return fail("--unset-env: can't match " + pattern + " against a variable name " + name.length
                    + " characters long", undefined,
                    { hint: "repeated groups such as *(...) can't take names that long: unset it by a pattern "
                      + "without them, e.g. --unset-env='" + name.slice(0, 8) + "*'" });
      throw e;
    }
  };
}
