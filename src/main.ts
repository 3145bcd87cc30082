// skiff's entry point: argv → options → image → plan → executor → exec.
// Invoked as `ch-run` (or any name but skiff) it is `skiff run`.

import { ArgpIO } from "./cli/argp";
import type { CommandIO } from "./cli/commands";
import { parseCdiDirs } from "./cli/cdi";
import { ARGS_DOC, Options, ParseContext, parseOptions } from "./cli/options";
import { setSigpipe } from "./exec/command";
import { execute } from "./executor/executor";
import { resolveImage } from "./image/image";
import { execDynamic, execDynamicIfInstalled, linkedStatically } from "./linkage/linkage";
import { invocationLine } from "./log/argv";
import { describeFailure, Exit, EXIT_MISC_ERR, fail, isFailure, isSysError } from "./log/fail";
import * as log from "./log/log";
import { sharedWarningStore, WARNINGS_SIZE } from "./log/warnings";
import { hostNames, lookUpCaller } from "./names/names";
import * as path from "./path/path";
import { buildPlan, HostFacts } from "./plan/build";
import { renderFile } from "./plan/files";
import { Plan } from "./plan/plan";
import { C } from "./sys/constants";
import { setHost } from "./sys/host";
import { Getenv, linuxSys, readChunks, statOrNull, Sys } from "./sys/sys";
import { unit } from "./unit/unit";
import { VERSION } from "./version";

var sys: Sys = linuxSys();

function out(fd: number, text: string): void {
  while (text !== "")
    text = text.slice(sys.write(fd, text));
}

/** Our messages are best effort: a standard error that is full, closed or
    a pipe nobody reads neither stops skiff nor changes its exit status. */
function err(text: string): void {
  try {
    out(2, text);
  } catch (e) {
    if (!isSysError(e))
      throw e;
  }
}

/** Put /dev/null (close-on-exec) on each of fds 0–2 that is closed, so that
    no file skiff opens lands there and gets our messages or the command's
    output; the command still finds them closed. */
function plugStandardFds(): void {
  try {
    for (;;) {
      var fd = sys.open("/dev/null", C.O_RDWR);
      if (fd > 2)
        return sys.close(fd);
    }
  } catch (e) {
    if (!isSysError(e)) // no /dev/null: nothing to plug them with
      throw e;
  }
}

function exit(code: number): never {
  log.reprintWarnings();
  return sys.exit(code);
}

/** Our [real, effective, saved] UIDs and GIDs, read once at start. */
interface Ids {
  u: number[];
  g: number[];
}

/** Refuse setuid/setgid invocation (doc/diagnostics.md §6.5): skiff needs no
    privilege and must not be given any. Root with all-zero IDs is fine. */
function checkPrivileges(ids: Ids): void {
  var u = ids.u, g = ids.g;
  if (u.concat(g).join() === "0,0,0,0,0,0")
    return;
  if (u[1] === 0 || g[1] === 0 || u[0] !== u[1] || u[1] !== u[2] || g[0] !== g[1] || g[1] !== g[2])
    fail("refusing to run with setuid/setgid privileges (uids " + u.join(",") + ", gids " + g.join(",") + ")",
         undefined, { hint: "skiff needs no privileges: remove the setuid/setgid bits and run it as yourself" });
}

function parseContext(env: Getenv): ParseContext {
  return {
    version: VERSION,
    env: env,
    readHostFile: function (p, each) { readChunks(sys, p, each); },
    exists: function (p) { return statOrNull(sys, p, false) !== null; },
    stderr: err,
    // --feature and --test: the help unit, with what they ask about
    feature: function (name) {
      return unit("help").feature(sys, name, function () {
        unit("squash").findServer(sys, env("PATH"), env("SKIFF_SQUASH_SERVER"));
      });
    },
    testLog: function (test) { unit("help").testLog(sys, test); },
    setColor: function (when) {
      log.setColor(when === "always" || (when === "auto" && sys.isatty(2)));
    },
  };
}

function verboseDump(o: Options, storage: string, newroot: string | null, plan: Plan): void {
  if (!log.enabled(log.LL_VERBOSE))
    return;
  log.verbose("verbosity: " + o.verbosity);
  log.verbose("image: " + o.image);
  log.verbose("storage: " + storage);
  log.verbose("newroot: " + (newroot === null ? "(null)" : newroot));
  log.verbose("container uid: " + (o.uid !== undefined ? o.uid : sys.getresuid()[1]));
  log.verbose("container gid: " + (o.gid !== undefined ? o.gid : sys.getresgid()[1]));
  var j = plan.join;
  log.verbose("join: " + (j ? 1 : 0) + " " + (j ? j.count : 0) + " " + (j ? j.tag : "(null)") + " "
              + (plan.joinPid || 0));
  log.verbose("private /tmp: " + (o.privateTmp ? 1 : 0));
  log.verbose("seccomp: " + (o.seccomp ? 1 : 0));
  log.verbose("unsafe: " + (o.unsafe ? 1 : 0));
}

/** p canonical, or as given where it can't be (it need not exist yet). */
function realpathOr(p: string): string {
  try {
    return sys.realpath(p);
  } catch (e) {
    return p;
  }
}

/** How argp meets this process: its names, output, and ARGP_HELP_FMT
    (ch-run's own layout unless the user set one). */
function argpIO(argv0: string, name: string, env: Getenv): ArgpIO {
  var io: ArgpIO = {
    argv0: argv0,
    name: name,
    stdout: function (t) { out(1, t); },
    stderr: err,
    renderHelp: function (doc, flags) {
      return unit("help").argpHelp(sys, doc, io.name, flags, env, err);
    },
    rename: log.setProg,
    sleep: function (seconds) { sys.nanosleep(seconds * 1000); },
  };
  return io;
}

function run(io: ArgpIO, args: string[], environ: string[], env: Getenv,
             ids: Ids): never {
  var o = parseOptions(args, parseContext(env), io);
  if (o.command.length === 0) {
    out(1, "usage: " + io.name + " [OPTION...] " + ARGS_DOC + "\n");
    fail("IMAGE and/or COMMAND not specified", undefined, { hint: "put the command after --: IMAGE -- COMMAND" });
  }
  // From here to the exec, a reader of our standard error that goes away
  // must not kill us half-way through set-up.
  var sigpipe: "default" | "ignore" = sys.signal(C.SIGPIPE, 1) ? "ignore" : "default";
  // The options stay as given; these are what they name on this host.
  var storage = realpathOr(o.storage);
  var image = resolveImage(sys, o.image as string, { storage: storage, unsafe: o.unsafe, writable: o.writable });
  if (o.mount !== undefined && image.kind !== "squash")
    log.warning("--mount invalid with directory image, ignoring");
  var mount = o.mount === undefined ? null : realpathOr(o.mount);
  var user = env("USER") as string;
  var host: HostFacts = {
    euid: ids.u[1],
    egid: ids.g[1],
    user: user,
    hostTmp: env("TMPDIR") || "/tmp",
    environ: environ,
    getenv: env,
    ppid: sys.getppid(),
    squashMount: mount === null ? "/var/tmp/" + user + ".ch/mnt" : mount,
    sigpipe: sigpipe,
  };
  var cdi = o.cdi.length > 0
    ? unit("cdi").planCdi(sys, o.cdi, parseCdiDirs(o.cdiDirs), { image: image, getenv: env, euid: host.euid,
                                                   yaml: function () { return unit("yaml").parseYaml; },
                                                   dryRun: o.dryRun !== undefined,
                                                   planner: function () { return unit("cdiplan"); } })
    : undefined;
  var plan = buildPlan(o, image, host, cdi);
  verboseDump(o, storage, image.kind === "squash" ? mount : image.path, plan);
  if (o.dryRun !== undefined) {
    setSigpipe(sys, sigpipe); // output, as any filter's
    var names = hostNames(sys);
    out(1, unit("format").formatPlan(plan, o.dryRun === "json", function (f) { return renderFile(f, names); }));
    return exit(0);
  }
  return execute(sys, plan);
}

/** skiff's own options, then COMMAND and its arguments; audit() writes
    the syslog line. */
function skiff(io: ArgpIO, args: string[], environ: string[], env: Getenv, ids: Ids,
               audit: () => void): never {
  // The usual `skiff run ...` has no option before COMMAND: run it without
  // loading skiff's options and the other commands' table (the images unit).
  if (args.length > 0 && args[0] === "run") {
    audit();
    io.argv0 += " run";
    io.name = "skiff run";
    return run(io, args.slice(1), environ, env, ids);
  }
  var images = unit("images");
  var rest = images.skiffCommand(io, args, env, VERSION);
  if (linkedStatically() && images.NEEDS_LIBRARIES.indexOf(rest[0]) >= 0)
    return execDynamic(sys, "skiff " + rest[0]);
  audit();
  if (rest[0] === "run")
    return run(io, rest.slice(1), environ, env, ids);
  var cio = io as CommandIO;
  cio.env = env;
  return exit(images.COMMANDS[rest[0]](sys, rest.slice(1), cio));
}

function main(): never {
  setHost(native);
  var argv = native.argv;
  var prog = path.basename(argv[0] || "skiff");
  var environ = sys.environ();
  var env: Getenv = function (name) { return sys.getenv(name); };
  plugStandardFds();
  log.configure({ prog: prog, pid: sys.getpid, write: err, color: sys.isatty(2) },
                sharedWarningStore(sys.mmap(-1, WARNINGS_SIZE)));
  try {
    var ids: Ids = { u: sys.getresuid(), g: sys.getresgid() };
    checkPrivileges(ids);
    // A caller only NSS's modules know (SSSD, LDAP, ...): their launch is
    // faster in skiff-dynamic than here asking getent (src/names/).
    if (!lookUpCaller(sys, ids.u[1], ids.g[1]))
      execDynamicIfInstalled(sys);
    // The audit line (doc/diagnostics.md §6.4), written once, by the
    // process that does the work: skiff's commands write it when known,
    // after skiff has handed pull, import and convert to skiff-dynamic.
    var audit = function () { sys.syslog(C.LOG_USER | C.LOG_INFO, invocationLine(ids.u[0], argv)); };
    if (prog !== "skiff")
      audit();
    if (env("USER") === undefined)
      fail("$USER not set", undefined, { hint: "set USER to your user name" });
    var io = argpIO(argv[0], prog, env);
    if (prog === "skiff")
      return skiff(io, argv.slice(1), environ, env, ids, audit);
    return run(io, argv.slice(1), environ, env, ids);
  } catch (e) {
    if (e instanceof Exit)
      return exit(e.code);
    if (isFailure(e)) {
      log.error(describeFailure(e));
      return exit(e.exitCode);
    }
    if (isSysError(e)) {
      log.error(e.message);
      return exit(EXIT_MISC_ERR);
    }
    throw e;
  }
}

main();
