// ch-run's options (reference §1.2), parsed into plain data. Options that
// act during parsing (--help, --version, --feature, ...) do so through the
// ParseContext and end parsing by throwing an Exit.

import { OptionSpec, parse, UsageError } from "./argp";
import { parseInt10 } from "./int";
import { EnvDelta, parseSetEnvArg } from "../env/container";
import { fail } from "../log/fail";
import * as log from "../log/log";

export interface Bind {
  src: string;
  dst: string;
}

export interface Options {
  image?: string;
  command: string[];
  binds: Bind[];
  cd?: string;
  envNoExpand: boolean;
  uid?: number;
  gid?: number;
  /** Host $HOME to bind at /home/$USER (--home). */
  hostHome?: string;
  join: boolean;
  joinCt?: number;
  joinTag?: string;
  joinPid?: number;
  mount?: string;
  noPasswd: boolean;
  seccomp: boolean;
  envDeltas: EnvDelta[];
  storage: string;
  privateTmp: boolean;
  unsafe: boolean;
  writable: boolean;
  /** tmpfs size for --write-fake, if on. */
  writeFake?: string;
  verbosity: number;
  dryRun?: "text" | "json";
}

/** Ends parsing: print nothing more, exit with code. */
export class Exit {
  constructor(public code: number) {}
}

/** What parsing needs from the outside world. */
export interface ParseContext {
  prog: string;
  version: string;
  env: (name: string) => string | undefined;
  readHostFile: (path: string) => string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Exit status for --feature=FEAT, or undefined if FEAT is unknown. */
  feature: (name: string) => number | undefined;
  testLog: (failing: boolean) => void;
  setColor: (when: string) => void;
}

export var WRITE_FAKE_DEFAULT = "12%";

export var SYNOPSIS = "[OPTION...] IMAGE -- COMMAND [ARG...]";

/** The option table, in ch-run's help order. */
export function optionSpecs(o: Options, ctx: ParseContext): OptionSpec[] {
  return [
    { short: "b", long: "bind", arg: "required", argName: "SRC[:DST]",
      help: "mount SRC at guest DST (default: same as SRC)",
      handle: function (v) { o.binds.push(parseBind(v as string)); } },
    { short: "c", long: "cd", arg: "required", argName: "DIR",
      help: "initial working directory in container",
      handle: function (v) { o.cd = v; } },
    { long: "color", arg: "optional", argName: "WHEN",
      help: "color log lines: auto (default), always, never",
      handle: function (v) { ctx.setColor(v === undefined ? "always" : v); } },
    { long: "dry-run", arg: "optional", argName: "FORMAT",
      help: "print the plan (text or json) and exit",
      handle: function (v) {
        if (v !== undefined && v !== "text" && v !== "json")
          fail("--dry-run: invalid format: " + v, undefined, { hint: "use --dry-run or --dry-run=json" });
        o.dryRun = (v || "text") as "text" | "json";
      } },
    { long: "env-no-expand", arg: "none",
      help: "don't expand $ in --set-env input",
      handle: function () { o.envNoExpand = true; } },
    { long: "feature", arg: "required", argName: "FEAT",
      help: "exit successfully if FEAT is enabled",
      handle: function (v) {
        var code = ctx.feature(v as string);
        if (code === undefined)
          fail("unknown feature: " + v, undefined,
               { hint: "features: extglob, overlayfs, seccomp, squash, tmpfs-xattrs" });
        throw new Exit(code as number);
      } },
    { short: "g", long: "gid", arg: "required", argName: "GID",
      help: "run as GID within container",
      handle: function (v) { o.gid = parseId(v as string, "--gid"); } },
    { long: "home", arg: "none",
      help: "mount host $HOME at guest /home/$USER",
      handle: function () {
        var home = ctx.env("HOME");
        if (home === undefined)
          fail("--home failed: $HOME not set", undefined, { hint: "set HOME or drop --home" });
        o.hostHome = home;
        if (o.writeFake === undefined) {
          log.verbose("--home specified; also setting --write-fake");
          o.writeFake = WRITE_FAKE_DEFAULT;
        }
      } },
    { long: "join-ct", arg: "required", argName: "N",
      help: "number of join peers (implies --join)",
      handle: function (v) { o.join = true; o.joinCt = parseInt10(v as string, false, "--join-ct"); } },
    { long: "join-pid", arg: "required", argName: "PID",
      help: "join a namespace using a PID",
      handle: function (v) { o.joinPid = parseInt10(v as string, false, "--join-pid"); } },
    { long: "join-tag", arg: "required", argName: "TAG",
      help: "label for peer group (implies --join)",
      handle: function (v) { o.join = true; o.joinTag = v; } },
    { short: "j", long: "join", arg: "none",
      help: "use same container as peer ch-run",
      handle: function () { o.join = true; } },
    { short: "m", long: "mount", arg: "required", argName: "DIR",
      help: "SquashFS mount point",
      handle: function (v) {
        if (v === "")
          fail("mount point can't be empty string", undefined, { hint: "give a directory, or omit -m" });
        o.mount = v;
      } },
    { long: "no-passwd", arg: "none",
      help: "don't bind-mount /etc/{passwd,group}",
      handle: function () { o.noPasswd = true; } },
    { short: "q", long: "quiet", arg: "none",
      help: "print less output (can be repeated)",
      handle: function () {
        if (o.verbosity > 0)
          fail("--quiet incompatible with --verbose");
        setVerbosity(o, o.verbosity - 1);
        if (o.verbosity < -3)
          fail("--quiet can be specified at most thrice");
      } },
    { long: "seccomp", arg: "none",
      help: "fake success for some syscalls with seccomp(2)",
      handle: function () { o.seccomp = true; } },
    { long: "set-env", arg: "optional", argName: "ARG",
      help: "set env. variables per ARG (newline-delimited)",
      handle: function (v) { o.envDeltas.push(parseSetEnvArg(v, "\n", ctx.readHostFile)); } },
    { long: "set-env0", arg: "optional", argName: "ARG",
      help: "set env. variables per ARG (null-delimited)",
      handle: function (v) { o.envDeltas.push(parseSetEnvArg(v, "\0", ctx.readHostFile)); } },
    { short: "s", long: "storage", arg: "required", argName: "DIR",
      help: "set DIR as storage directory",
      handle: function (v) { o.storage = v as string; } },
    { long: "test", arg: "required", argName: "TEST",
      help: "do test TEST",
      handle: function (v) {
        if (v !== "log" && v !== "log-fail")
          fail("invalid --test argument: " + v + "; see source code");
        ctx.testLog(v === "log-fail");
        throw new Exit(0);
      } },
    { short: "t", long: "private-tmp", arg: "none",
      help: "use container-private /tmp",
      handle: function () { o.privateTmp = true; } },
    { long: "unsafe", arg: "none",
      help: "do unsafe things (internal use only)",
      handle: function () { o.unsafe = true; } },
    { long: "unset-env", arg: "required", argName: "GLOB",
      help: "unset environment variable(s)",
      handle: function (v) {
        if (v === "")
          fail("--unset-env: GLOB must have non-zero length");
        o.envDeltas.push({ kind: "unset", glob: v as string });
      } },
    { short: "u", long: "uid", arg: "required", argName: "UID",
      help: "run as UID within container",
      handle: function (v) { o.uid = parseId(v as string, "--uid"); } },
    { short: "v", long: "verbose", arg: "none",
      help: "be more verbose (can be repeated)",
      handle: function () {
        if (o.verbosity < 0)
          fail("--verbose incompatible with --quiet");
        setVerbosity(o, o.verbosity + 1);
        if (o.verbosity > 3)
          fail("--verbose can be specified at most thrice");
      } },
    { long: "warnings", arg: "required", argName: "NUM",
      help: "log NUM warnings and exit",
      handle: function (v) {
        var n = parseInt10(v as string, false, "--warnings");
        for (var i = 1; i <= n; i++)
          log.warning("this is warning " + i + "!");
        throw new Exit(0);
      } },
    { short: "w", long: "write", arg: "none",
      help: "mount image read-write (avoid)",
      handle: function () { o.writable = true; } },
    { short: "W", long: "write-fake", arg: "optional", argName: "SIZE",
      help: "overlay read-write tmpfs on top of image",
      handle: function (v) { o.writeFake = v === undefined ? WRITE_FAKE_DEFAULT : v; } },
    { short: "?", long: "help", arg: "none",
      help: "Give this help list",
      handle: function () { ctx.stdout(helpText(ctx.prog, optionSpecs(o, ctx))); throw new Exit(0); } },
    { long: "usage", arg: "none",
      help: "Give a short usage message",
      handle: function () { ctx.stdout(usageText(ctx.prog)); throw new Exit(0); } },
    { short: "V", long: "version", arg: "none",
      help: "print version and exit",
      handle: function () { ctx.stderr(ctx.version + "\n"); throw new Exit(0); } },
  ];
}

function setVerbosity(o: Options, v: number): void {
  o.verbosity = v;
  log.setVerbosity(v);
}

function parseId(v: string, tag: string): number {
  var n = parseInt10(v, false, tag);
  if (n < 0)
    fail(tag + ": must be non-negative");
  return n;
}

/** SRC[:DST], split at the first colon (reference §1.2, -b). */
export function parseBind(arg: string): Bind {
  var colon = arg.indexOf(":");
  var src = colon < 0 ? arg : arg.slice(0, colon);
  var dst = colon < 0 ? arg : arg.slice(colon + 1);
  if (src === "")
    fail("--bind: no source provided", undefined, { hint: "use -b SRC[:DST]" });
  if (dst === "")
    fail("--bind: no destination provided", undefined, { hint: "use -b SRC[:DST], or omit :DST to use SRC" });
  if (dst === "/")
    fail("--bind: destination can't be /");
  if (dst.charAt(0) !== "/")
    fail("--bind: destination must be absolute: " + dst, undefined, { hint: "DST is a path inside the container, e.g. /mnt/0" });
  return { src: src, dst: dst };
}

export function defaultOptions(env: (name: string) => string | undefined): Options {
  return {
    command: [],
    binds: [],
    envNoExpand: false,
    join: false,
    noPasswd: false,
    seccomp: false,
    envDeltas: [],
    storage: env("CH_IMAGE_STORAGE") || "/var/tmp/" + env("USER") + ".ch",
    privateTmp: false,
    unsafe: false,
    writable: false,
    verbosity: 0,
  };
}

export type ParseResult = { options: Options } | { usageError: string } | { exit: number };

/** Parse the arguments after the program name (and after "run" for skiff). */
export function parseOptions(args: string[], ctx: ParseContext): Options {
  var o = defaultOptions(ctx.env);
  var positional = parse(optionSpecs(o, ctx), args, ctx.env("POSIXLY_CORRECT") !== undefined);
  o.image = positional[0];
  o.command = positional.slice(1);
  return o;
}

export { UsageError };

/** argp's --usage text. */
export function usageText(prog: string): string {
  return "Usage: " + prog + " [-jqtvwW?V] [-b SRC[:DST]] [-c DIR] [-g GID] [-m DIR] [-s DIR]\n"
    + "            [-u UID] [--bind=SRC[:DST]] [--cd=DIR] [--color[=WHEN]]\n"
    + "            [--dry-run[=FORMAT]] [--env-no-expand] [--feature=FEAT] [--gid=GID]\n"
    + "            [--home] [--join-ct=N] [--join-pid=PID] [--join-tag=TAG] [--join]\n"
    + "            [--mount=DIR] [--no-passwd] [--quiet] [--seccomp] [--set-env[=ARG]]\n"
    + "            [--set-env0[=ARG]] [--storage=DIR] [--test=TEST] [--private-tmp]\n"
    + "            [--unsafe] [--unset-env=GLOB] [--uid=UID] [--verbose]\n"
    + "            [--warnings=NUM] [--write] [--write-fake[=SIZE]] [--help] [--usage]\n"
    + "            [--version] IMAGE -- COMMAND [ARG...]\n";
}

var DOC_COLUMN = 27;

/** The option's left column, e.g. "-b, --bind=SRC[:DST]". */
export function optionLabel(s: OptionSpec): string {
  var arg = s.argName === undefined ? "" : s.arg === "optional" ? "[=" + s.argName + "]" : "=" + s.argName;
  if (s.short && s.long)
    return "-" + s.short + ", --" + s.long + arg;
  if (s.long)
    return "    --" + s.long + arg;
  return "-" + s.short + (s.argName ? " " + s.argName : "");
}

/** argp's --help layout, option column 27. */
export function helpText(prog: string, specs: OptionSpec[]): string {
  var lines = ["Usage: " + prog + " " + SYNOPSIS, "", "Run a command in a Charliecloud container.", ""];
  for (var i = 0; i < specs.length; i++) {
    if (specs[i].hidden)
      continue;
    var left = "  " + optionLabel(specs[i]);
    lines.push(left.length + 2 <= DOC_COLUMN
      ? left + " ".repeat(DOC_COLUMN - left.length) + specs[i].help
      : left + "\n" + " ".repeat(DOC_COLUMN) + specs[i].help);
  }
  lines.push("", "Example:", "", "  $ " + prog + " /data/foo -- echo hello", "  hello", "",
             "You cannot use this program to actually change your UID.", "");
  return lines.join("\n");
}
