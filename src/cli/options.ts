// ch-run's options (doc/command-line.md §1.2), parsed into plain data. The
// table, RUN_OPTIONS, is data: the one source of the command line, --help,
// --usage, the man page, the README's option list and completion;
// runOption says what each option does. Options that act during parsing
// (--feature, --version, --warnings, --test) do so through the ParseContext
// and end parsing by throwing an Exit.

import { argpParse, ArgpIO, exitWithHelp, HELP_STD_HELP, HelpDoc, OptionSpec, withArgpOptions } from "./argp";
import { parseInt10 } from "./int";
import { parseJoinCount, parseJoinPid } from "./join";
import { CDI_DIRS_DEFAULT, CdiRequest, parseDevice } from "./cdi";
import { EnvDelta, parseSetEnvArg } from "../env/container";
import { ReadChunks } from "../env/parse";
import { EXIT_FAILURE, Exit, fail } from "../log/fail";
import * as log from "../log/log";
import { Getenv } from "../sys/sys";

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
  /** -d and --device, in command-line order. */
  cdi: CdiRequest[];
  /** Where CDI spec files are looked for, lowest priority first: a colon
      list (parseCdiDirs), split only when CDI is asked for. */
  cdiDirs: string;
}


/** What parsing needs from the outside world. */
export interface ParseContext {
  version: string;
  env: Getenv;
  /** A host file's contents in pieces, as read (--set-env=FILE). */
  readHostFile: ReadChunks;
  /** lstat() succeeds. */
  exists: (path: string) => boolean;
  stderr: (text: string) => void;
  /** Exit status for --feature=FEAT, or undefined if FEAT is unknown. */
  feature: (name: string) => number | undefined;
  /** --test=log, --test=log-fail and --test=log-fork. */
  testLog: (test: "log" | "log-fail" | "log-fork") => void;
  setColor: (when: string) => void;
}

export var WRITE_FAKE_DEFAULT = "12%";

export var ARGS_DOC = "IMAGE -- COMMAND [ARG...]";

/** The FEAT values of --feature. */
export var FEATURES = ["cdi", "extglob", "overlayfs", "seccomp", "squash", "tmpfs-xattrs"];

/** What --color accepts, by meaning (the nvidia-cdi branch's words). */
export var COLOR_WHEN: { [when: string]: "auto" | "always" | "never" } = {
  "auto": "auto", "tty": "auto", "if-tty": "auto",
  "yes": "always", "always": "always", "force": "always",
  "no": "never", "never": "never", "none": "never",
};

/** The text around the options in --help (argp's doc: before "\v" it
    follows the usage line, after it the options), under program name prog. */
export function runDoc(prog: string): string {
  return "\nRun a command in a Charliecloud container.\n\vExample:\n\n"
    + "  $ " + prog + " /data/foo -- echo hello\n  hello\n\n"
    + "You cannot use this program to actually change your UID.\n";
}

/** --help's subject for `skiff run` (prog "skiff run") or ch-run. */
export function helpDoc(prog: string): HelpDoc {
  return { options: RUN_OPTIONS, argsDoc: ARGS_DOC, doc: runDoc(prog) };
}

/** The option table, in declaration order (the order getopt lists an
  ambiguous abbreviation's possibilities in); --help sorts it. */
export var RUN_OPTIONS: OptionSpec[] = [
  { short: "b", long: "bind", arg: "required", argName: "SRC[:DST]",
    help: "mount SRC at guest DST (default: same as SRC)",
    doc: "Bind-mount host path SRC at DST in the container (default: the same path as SRC). SRC must exist; "
      + "it may be a directory or a file, and relative to the current directory. DST must be absolute and "
      + "not /. A missing DST is created (a directory, or an empty file if SRC is a file) only in a writable "
      + "image, -w or -W: in a read-only one it must exist. With -W, a directory you can't write gets a tmpfs "
      + "\"overmount\" that keeps its other entries visible. Split at the first colon. Can be repeated; later "
      + "binds may shadow earlier ones." },
  { short: "c", long: "cd", arg: "required", argName: "DIR",
    help: "initial working directory in container",
    doc: "Start COMMAND in DIR, a path inside the container (relative paths are relative to /). $PWD is set "
      + "to the real directory reached, symlinks resolved. Default: /." },
  { long: "cdi-dirs", arg: "required", argName: "DIRS",
    help: "look for CDI specs in DIRS (colon list)",
    doc: "Directories holding CDI spec files (*.json, *.yaml), separated by colons; where several define "
      + "the same device, the later directory wins. Default: $CH_RUN_CDI_DIRS, else " + CDI_DIRS_DEFAULT + "." },
  { long: "color", arg: "optional", argName: "WHEN",
    help: "color log lines: auto (default), always, never",
    doc: "Colour log lines by level. WHEN is auto (also tty, if-tty: colour if standard error is a terminal; "
      + "the default), always (also yes, force; what a bare --color means) or never (also no, none)." },
  { short: "d", long: "devices", arg: "none",
    help: "inject all CDI devices found",
    doc: "Make every device kind described by the CDI spec files in the --cdi-dirs directories available "
      + "in the container (GPUs: driver libraries, environment, ld cache). Implies --write-fake unless a "
      + "size was already given." },
  { long: "device", arg: "required", argName: "DEV",
    help: "inject CDI devices DEV (kind or spec file)",
    doc: "Make CDI devices available in the container: DEV is a kind such as nvidia.com/gpu (KIND=all means "
      + "the same), or, starting with / or ., a spec file whose devices are all used. A single device "
      + "(KIND=NAME) can't be chosen: the host's /dev is in the container whole. Can be repeated; its "
      + "environment is set in command-line order with --set-env and --unset-env. Implies --write-fake "
      + "unless a size was already given." },
  { long: "dry-run", arg: "optional", argName: "FORMAT",
    help: "print the plan (text or json) and exit",
    doc: "Print what skiff would do to build the container (namespaces, mounts, environment changes, "
      + "command), as text or, with --dry-run=json, as JSON, and exit without doing it." },
  { long: "env-no-expand", arg: "none",
    help: "don't expand $ in --set-env input",
    doc: "Don't expand $VAR items in --set-env and --set-env0 values: set them literally. Applies to all of "
      + "them, wherever it appears on the command line (as ch-run)." },
  { long: "feature", arg: "required", argName: "FEAT",
    help: "exit successfully if FEAT is enabled",
    doc: "Exit 0 if this skiff on this kernel supports FEAT, else non-zero: cdi (-d, --device), extglob "
      + "(--unset-env patterns), seccomp (--seccomp) and squash (SquashFS images) exit 31 if unsupported, overlayfs "
      + "(--write-fake) and tmpfs-xattrs exit 1. Any other FEAT is an error." },
  { short: "g", long: "gid", arg: "required", argName: "GID",
    help: "run as GID within container",
    doc: "Run as group GID inside the container (default: your effective GID). A decimal number, "
      + "0 or more. This does not change your GID outside the container." },
  { long: "home", arg: "none",
    help: "mount host $HOME at guest /home/$USER",
    doc: "Bind-mount your host $HOME at /home/$USER in the container and set $HOME to it. Implies "
      + "--write-fake unless a size was already given, so that /home/$USER can be created." },
  { short: "j", long: "join", arg: "none",
    help: "use same container as peer ch-run",
    doc: "Share one container (namespaces and mounts) among the peers of a job step on a node: the first "
      + "builds it, the others join it. The peer count and group tag come from --join-ct and --join-tag, "
      + "else from Open MPI or Slurm variables. Peers wait for each other at most $SKIFF_JOIN_TIMEOUT seconds "
      + "(default 30)." },
  { long: "join-pid", arg: "required", argName: "PID",
    help: "join a namespace using a PID",
    doc: "Join the user and mount namespaces of process PID (e.g. another skiff's command) instead of "
      + "building a container. The command's environment is made from yours as for a new container; to take "
      + "PID's instead, add --env-no-expand --set-env0=/proc/PID/environ." },
  { long: "join-ct", arg: "required", argName: "N",
    help: "number of join peers (implies --join)",
    doc: "Number of peers sharing the container (implies --join). Default: $OMPI_COMM_WORLD_LOCAL_SIZE, "
      + "$SLURM_STEP_TASKS_PER_NODE or $SLURM_CPUS_ON_NODE." },
  { long: "join-tag", arg: "required", argName: "TAG",
    help: "label for peer group (implies --join)",
    doc: "Name of the peer group (implies --join). Default: $SLURM_JOB_ID.$SLURM_STEP_ID, else the parent's PID." },
  { short: "m", long: "mount", arg: "required", argName: "DIR",
    help: "SquashFS mount point",
    doc: "Mount a SquashFS image at DIR, an existing directory (default: /var/tmp/$USER.ch/mnt, created). "
      + "Ignored, with a warning, for directory images." },
  { long: "no-passwd", arg: "none",
    help: "don't bind-mount /etc/{passwd,group}",
    doc: "Use the image's own /etc/passwd and /etc/group instead of ones listing root, nobody and you." },
  { short: "t", long: "private-tmp", arg: "none",
    help: "use container-private /tmp",
    doc: "Mount an empty tmpfs at /tmp instead of the host's $TMPDIR (or /tmp)." },
  { short: "q", long: "quiet", arg: "none",
    help: "print less output (can be repeated)",
    doc: "Print less: -q hides informational messages and COMMAND's standard output, -qq also warnings, "
      + "-qqq also COMMAND's standard error. Errors are always printed. Up to three times; not with -v." },
  { long: "seccomp", arg: "none",
    help: "fake success for some syscalls with seccomp(2)",
    doc: "Make privileged system calls that an unprivileged container can't do (chown, setuid, mknod of "
      + "devices, ...) appear to succeed, for package managers in image builds. See --feature=seccomp." },
  { long: "set-env", arg: "optional", argName: "ARG",
    help: "set env. variables per ARG (newline-delimited)",
    doc: "Set environment variables in the container. No ARG: from the image's /ch/environment, read "
      + "inside the container. ARG containing =: the one assignment NAME=VALUE. Otherwise ARG is a host "
      + "file (pipes and <(...) too), one NAME=VALUE per line; empty lines are skipped, a value in single "
      + "quotes loses them. In VALUE, each :-separated item $NAME is replaced by that variable's value "
      + "(dropped if unset or empty), unless --env-no-expand. Applied with --set-env0 and --unset-env in "
      + "command-line order. The argument must be attached (--set-env=ARG). A file is read up to 6 MiB, "
      + "the most Linux passes to a command as arguments and environment." },
  { long: "set-env0", arg: "optional", argName: "ARG",
    help: "set env. variables per ARG (null-delimited)",
    doc: "As --set-env, but files are NUL-delimited, so values may contain newlines." },
  { short: "s", long: "storage", arg: "required", argName: "DIR",
    help: "set DIR as storage directory",
    doc: "ch-image's storage directory, where IMAGE is looked up by name (default: $CH_IMAGE_STORAGE, "
      + "else /var/tmp/$USER.ch). Warns if DIR does not exist." },
  { long: "test", arg: "required", argName: "TEST",
    help: "do test TEST",
    doc: "Self-test and exit: log prints a message at each log level, log-fail then fails, log-fork logs "
      + "from a child process (whose warning must be reprinted by the parent at exit)." },
  { short: "u", long: "uid", arg: "required", argName: "UID",
    help: "run as UID within container",
    doc: "Run as user UID inside the container (default: your effective UID). A decimal number, 0 or "
      + "more. This does not change your UID outside the container." },
  { long: "unsafe", arg: "none",
    help: "do unsafe things (internal use only)",
    doc: "For ch-image: allow -w with an image named from storage, and running a directory image that "
      + "lies inside the storage directory." },
  { long: "unset-env", arg: "required", argName: "GLOB",
    help: "unset environment variable(s)",
    doc: "Unset the container's environment variables whose names match GLOB, a shell pattern with bash's "
      + "extglob forms (@(a|b), !(a), *(a), +(a), ?(a)); quote it. '*' unsets all; $CH_RUNNING, and $PWD (the working "
      + "directory), are set afterwards." },
  { short: "v", long: "verbose", arg: "none",
    help: "be more verbose (can be repeated)",
    doc: "Log more: -v each step, -vv debugging detail (each mount), -vvv everything. Up to three times; "
      + "not with -q." },
  { short: "V", long: "version", arg: "none",
    help: "print version and exit",
    doc: "Print the version on standard error and exit." },
  { long: "warnings", arg: "required", argName: "NUM",
    help: "log NUM warnings and exit",
    doc: "Log NUM test warnings and exit; they are reprinted at exit, as all warnings are." },
  { short: "w", long: "write", arg: "none",
    help: "mount image read-write (avoid)",
    doc: "Mount a directory image read-write, so COMMAND can change it (you need write permission). Not "
      + "for images named from storage (unless --unsafe) and without effect on SquashFS." },
  { short: "W", long: "write-fake", arg: "optional", argName: "SIZE",
    help: "overlay read-write tmpfs on top of image",
    doc: "Make the image appear writable: changes go to a tmpfs of SIZE (default 12%, any tmpfs size=) "
      + "overlaid on it and vanish at exit. The size must be attached (-W4g, --write-fake=4g)." },
];


/** What option key (optionKey() of one of RUN_OPTIONS) does to o, with its
    argument v: one function, not a closure an option made at each parse. */
function runOption(o: Options, ctx: ParseContext, key: string, v: string | undefined): void {
  switch (key) {
    case "bind": o.binds.push(parseBind(v as string)); break;
    case "cd": o.cd = v; break;
    case "cdi-dirs": o.cdiDirs = v as string; break;
    case "color":
      var when = v === undefined ? "always" : v;
      if (!Object.prototype.hasOwnProperty.call(COLOR_WHEN, when))
        fail("--color: invalid arg: " + when, undefined, { hint: "use auto, always or never" });
      ctx.setColor(COLOR_WHEN[when]);
      break;
    case "devices": addCdi(o, { what: "all", envAt: o.envDeltas.length }); break;
    case "device": addCdi(o, parseDevice(v as string, o.envDeltas.length)); break;
    case "dry-run":
      if (v !== undefined && v !== "text" && v !== "json")
        fail("--dry-run: invalid format: " + v, undefined, { hint: "use --dry-run or --dry-run=json" });
      o.dryRun = (v || "text") as "text" | "json";
      break;
    case "env-no-expand": o.envNoExpand = true; break;
    case "feature":
      var code = ctx.feature(v as string);
      if (code === undefined)
        fail("unknown feature: " + v, undefined, { hint: "FEAT is one of: " + FEATURES.join(", ") });
      throw new Exit(code as number);
    case "gid": o.gid = parseId(v as string, "--gid"); break;
    case "home":
      var home = ctx.env("HOME");
      if (home === undefined)
        fail("--home failed: $HOME not set", undefined, { hint: "set HOME or drop --home" });
      o.hostHome = home;
      if (o.writeFake === undefined) {
        log.verbose("--home specified; also setting --write-fake");
        o.writeFake = WRITE_FAKE_DEFAULT;
      }
      break;
    case "join": o.join = true; break;
    case "join-pid": o.joinPid = parseJoinPid(v as string); break;
    case "join-ct": o.join = true; o.joinCt = parseJoinCount(v as string); break;
    case "join-tag": o.join = true; o.joinTag = v; break;
    case "mount":
      if (v === "")
        fail("mount point can't be empty string", undefined, { hint: "give a directory, or omit -m" });
      o.mount = v;
      break;
    case "no-passwd": o.noPasswd = true; break;
    case "private-tmp": o.privateTmp = true; break;
    case "quiet":
      if (o.verbosity > 0)
        fail("--quiet incompatible with --verbose", undefined, { hint: "use -v or -q, not both" });
      setVerbosity(o, o.verbosity - 1);
      if (o.verbosity < -3)
        fail("--quiet can be specified at most thrice");
      break;
    case "seccomp": o.seccomp = true; break;
    case "set-env": o.envDeltas.push(parseSetEnvArg(v, "\n", ctx.readHostFile)); break;
    case "set-env0": o.envDeltas.push(parseSetEnvArg(v, "\0", ctx.readHostFile)); break;
    case "storage":
      o.storage = v as string;
      if (!ctx.exists(o.storage))
        log.warning("storage directory not found: " + o.storage);
      break;
    case "test":
      if (v !== "log" && v !== "log-fail" && v !== "log-fork")
        fail("invalid --test argument: " + v + "; see source code", undefined,
             { hint: "TEST is log, log-fail or log-fork" });
      ctx.testLog(v as "log" | "log-fail" | "log-fork");
      throw new Exit(0);
    case "uid": o.uid = parseId(v as string, "--uid"); break;
    case "unsafe": o.unsafe = true; break;
    case "unset-env":
      if (v === "")
        fail("--unset-env: GLOB must have non-zero length", undefined, { hint: "use '*' to unset everything" });
      o.envDeltas.push({ kind: "unset", glob: v as string });
      break;
    case "verbose":
      if (o.verbosity < 0)
        fail("--verbose incompatible with --quiet", undefined, { hint: "use -v or -q, not both" });
      setVerbosity(o, o.verbosity + 1);
      if (o.verbosity > 3)
        fail("--verbose can be specified at most thrice");
      break;
    case "version": ctx.stderr(ctx.version + "\n"); throw new Exit(0);
    case "warnings":
      var n = parseInt10(v as string, false, "--warnings");
      for (var i = 1; i <= n; i++)
        log.warning("this is warning " + i + "!");
      throw new Exit(0);
    case "write": o.writable = true; break;
    case "write-fake": o.writeFake = v === undefined ? WRITE_FAKE_DEFAULT : v; break;
    default: throw new Error("no handler for option " + key);
  }
}

/** CDI's mounts and links go in the -W layer. */
function addCdi(o: Options, r: CdiRequest): void {
  o.cdi.push(r);
  if (o.writeFake === undefined) {
    log.verbose("CDI devices requested; also setting --write-fake");
    o.writeFake = WRITE_FAKE_DEFAULT;
  }
}

function setVerbosity(o: Options, v: number): void {
  o.verbosity = v;
  log.setVerbosity(v);
}

function parseId(v: string, tag: string): number {
  var n = parseInt10(v, false, tag);
  if (n < 0)
    fail(tag + ": must be non-negative", undefined, { hint: tag + " is '" + v + "'; IDs are 0 or more" });
  return n;
}

/** SRC[:DST], split at the first colon (doc/command-line.md §1.2, -b). */
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

/** The storage directory unless -s says otherwise. */
export function defaultStorage(env: Getenv): string {
  return env("CH_IMAGE_STORAGE") || "/var/tmp/" + env("USER") + ".ch";
}

export function defaultOptions(env: Getenv): Options {
  return {
    command: [],
    binds: [],
    envNoExpand: false,
    join: false,
    noPasswd: false,
    seccomp: false,
    envDeltas: [],
    storage: defaultStorage(env),
    privateTmp: false,
    unsafe: false,
    writable: false,
    verbosity: 0,
    cdi: [],
    cdiDirs: env("CH_RUN_CDI_DIRS") || CDI_DIRS_DEFAULT,
  };
}

/** Parse the arguments after the program name (and after "run" for
    skiff). With no IMAGE at all, print the help to stderr and exit 1. */
export function parseOptions(args: string[], ctx: ParseContext, io: ArgpIO): Options {
  var o = defaultOptions(ctx.env);
  var doc = helpDoc(io.name);
  var positional = argpParse(doc, args, ctx.env("POSIXLY_CORRECT") !== undefined, io,
                             function (key, v) { runOption(o, ctx, key, v); });
  if (positional.length === 0)
    exitWithHelp(withArgpOptions(doc), io, HELP_STD_HELP, io.stderr, EXIT_FAILURE);
  o.image = positional[0];
  o.command = positional.slice(1);
  return o;
}
