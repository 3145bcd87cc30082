// A command-line parser with glibc argp/getopt_long semantics, because job
// scripts rely on them (reference §1.1): options are permuted (they may
// follow IMAGE) until "--"; short options cluster (-vvv, -u0, -W4m); a
// required argument may be attached or the next word; an optional argument
// is taken only when attached (-W4m, --write-fake=4m); long options may be
// abbreviated to any unambiguous prefix. Errors print getopt's own messages
// and exit 64.

export type ArgKind = "none" | "required" | "optional";

export interface OptionSpec {
  long?: string;
  short?: string;
  arg: ArgKind;
  /** Placeholder shown in help, e.g. "SRC[:DST]". */
  argName?: string;
  help: string;
  /** Called in command-line order; value undefined if no argument. */
  handle: (value: string | undefined) => void;
  hidden?: boolean;
}

export class UsageError {
  constructor(public message: string) {}
}

/** Parse argv (without the program name). Calls each option's handler in
    order and returns the non-option arguments. Throws UsageError. */
export function parse(specs: OptionSpec[], args: string[], posixlyCorrect: boolean): string[] {
  var positional: string[] = [];
  var i = 0;
  while (i < args.length) {
    var a = args[i++];
    if (a === "--") {
      positional.push.apply(positional, args.slice(i));
      break;
    }
    if (a.length > 2 && a.charAt(0) === "-" && a.charAt(1) === "-") {
      i = parseLong(specs, args, i, a.slice(2));
    } else if (a.length > 1 && a.charAt(0) === "-") {
      i = parseShortCluster(specs, args, i, a.slice(1));
    } else {
      positional.push(a);
      if (posixlyCorrect) {
        positional.push.apply(positional, args.slice(i));
        break;
      }
    }
  }
  return positional;
}

function findLong(specs: OptionSpec[], name: string): OptionSpec {
  var prefixed: OptionSpec[] = [];
  for (var i = 0; i < specs.length; i++) {
    var l = specs[i].long;
    if (l === name)
      return specs[i];
    if (l !== undefined && l.indexOf(name) === 0)
      prefixed.push(specs[i]);
  }
  if (prefixed.length === 1)
    return prefixed[0];
  if (prefixed.length === 0)
    throw new UsageError("unrecognized option '--" + name + "'");
  var names: string[] = [];
  for (var j = 0; j < prefixed.length; j++)
    names.push("'--" + prefixed[j].long + "'");
  throw new UsageError("option '--" + name + "' is ambiguous; possibilities: " + names.join(" "));
}

function parseLong(specs: OptionSpec[], args: string[], i: number, body: string): number {
  var eq = body.indexOf("=");
  var name = eq >= 0 ? body.slice(0, eq) : body;
  var value = eq >= 0 ? body.slice(eq + 1) : undefined;
  var spec = findLong(specs, name);
  if (spec.arg === "none" && value !== undefined)
    throw new UsageError("option '--" + spec.long + "' doesn't allow an argument");
  if (spec.arg === "required" && value === undefined) {
    if (i >= args.length)
      throw new UsageError("option '--" + spec.long + "' requires an argument");
    value = args[i++];
  }
  spec.handle(value);
  return i;
}

function parseShortCluster(specs: OptionSpec[], args: string[], i: number, cluster: string): number {
  for (var k = 0; k < cluster.length; k++) {
    var c = cluster.charAt(k);
    var spec: OptionSpec | undefined;
    for (var j = 0; j < specs.length; j++)
      if (specs[j].short === c)
        spec = specs[j];
    if (spec === undefined)
      throw new UsageError("invalid option -- '" + c + "'");
    if (spec.arg === "none") {
      spec.handle(undefined);
      continue;
    }
    var rest = cluster.slice(k + 1);
    if (rest !== "") {
      spec.handle(rest);
    } else if (spec.arg === "required") {
      if (i >= args.length)
        throw new UsageError("option requires an argument -- '" + c + "'");
      spec.handle(args[i++]);
    } else {
      spec.handle(undefined);
    }
    break;
  }
  return i;
}
