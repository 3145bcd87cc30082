// Lexical path operations (no filesystem access), as ch_core.c's path_join,
// path_split and path_subdir_p.

/** Join a and b with exactly one slash; b absolute is still appended, as
    ch_core.c's path_join (newroot + guest path). */
export function join(a: string, b: string): string {
  if (a === "")
    return b;
  if (b === "")
    return a;
  var left = a.charAt(a.length - 1) === "/" ? a.slice(0, -1) : a;
  var right = b.charAt(0) === "/" ? b.slice(1) : b;
  return left + "/" + right;
}

/** [dirname, basename] of a path without trailing slashes. */
export function split(p: string): [string, string] {
  // a loop, not a regular expression: Duktape tries one from every
  // position, and paths are split often on the launch path
  var end = p.length;
  while (p.length > 1 && end > 0 && p.charAt(end - 1) === "/")
    end--;
  // no copy of a path without trailing slashes (Duktape interns each)
  var trimmed = end === p.length ? p : p.slice(0, end);
  var i = trimmed.lastIndexOf("/");
  if (i < 0)
    return [".", trimmed];
  if (i === 0)
    return ["/", trimmed.slice(1)];
  return [trimmed.slice(0, i), trimmed.slice(i + 1)];
}

export function dirname(p: string): string {
  return split(p)[0];
}

export function basename(p: string): string {
  return split(p)[1];
}

/** Normalise an absolute path lexically: collapse slashes and ".", resolve
    "..". Returns null if ".." would climb above "/". */
export function normalize(p: string): string | null {
  // most paths are normal already: no "." or ".." component, no doubled or
  // trailing slash; splitting them costs Duktape several times these tests
  if (p.indexOf("/.") < 0 && p.indexOf("//") < 0 && p.charAt(0) === "/" && p.charAt(p.length - 1) !== "/")
    return p;
  var out: string[] = [];
  var parts = p.split("/");
  for (var i = 0; i < parts.length; i++) {
    var c = parts[i];
    if (c === "" || c === ".")
      continue;
    if (c === "..") {
      if (out.length === 0)
        return null;
      out.pop();
    } else {
      out.push(c);
    }
  }
  return "/" + out.join("/");
}

/** True if path equals base or lies below it (both canonical). */
export function isWithin(base: string, path: string): boolean {
  if (base === "/")
    return path.charAt(0) === "/";
  // lastIndexOf from 0: a prefix test that builds no string (Duktape
  // would make base + "/" anew at every call, and this runs per file)
  return path.lastIndexOf(base, 0) === 0 && (path.length === base.length || path.charAt(base.length) === "/");
}
