// skiff's entry point: argv → options → image → plan → executor → exec.
// Invoked as `ch-run` (or any name but skiff) it is `skiff run`.

import { UsageError } from "./cli/argp";
import { featureStatus } from "./cli/features";
import { Exit, helpText, optionSpecs, Options, ParseContext, parseOptions, defaultOptions } from "./cli/options";
import { execute } from "./exec/executor";
import { resolveImage } from "./image/image";
import { argvToString } from "./log/argv";
import { EX_USAGE, EXIT_FAILURE, EXIT_MISC_ERR, fail, isFailure, isSysError } from "./log/fail";
import * as log from "./log/log";
import { sharedWarningStore } from "./log/warnings";
import * as path from "./path/path";
import { buildPlan, HostFacts } from "./plan/build";
import { formatPlan } from "./plan/format";
import { linuxSys, readFile, statOrNull, Sys } from "./sys/sys";
import { VERSION } from "./version";

var sys: Sys = linuxSys();

function out(fd: number, text: string): void {
  while (text !== "")
    text = text.slice(sys.write(fd, text));
}

function exit(code: number): never {
  log.reprintWarnings();
  return sys.exit(code);
}

/** Environment lookup over our own environ. */
function envLookup(environ: string[]): (name: string) => string | undefined {
  var index: { [key: string]: string } = {};
  for (var i = environ.length - 1; i >= 0; i--) {
    var eq = environ[i].indexOf("=");
    if (eq > 0)
      index["%" + environ[i].slice(0, eq)] = environ[i].slice(eq + 1);
  }
  return function (name) {
    return Object.prototype.hasOwnProperty.call(index, "%" + name) ? index["%" + name] : undefined;
  };
}

/** Refuse setuid/setgid invocation (reference §6.5): skiff needs no
    privilege and must not be given any. Root with all-zero IDs is fine. */
function checkPrivileges(): void {
  var u = sys.getresuid(), g = sys.getresgid();
  if (u.concat(g).join() === "0,0,0,0,0,0")
    return;
  if (u[1] === 0 || g[1] === 0 || u[0] !== u[1] || u[1] !== u[2] || g[0] !== g[1] || g[1] !== g[2])
    fail("refusing to run with setuid/setgid privileges (uids " + u.join(",") + ", gids " + g.join(",") + ")",
         undefined, { hint: "skiff needs no privileges: remove the setuid/setgid bits and run it as yourself" });
}

function parseContext(prog: string, env: (name: string) => string | undefined): ParseContext {
  return {
    prog: prog,
    version: VERSION,
    env: env,
    readHostFile: function (p) { return readFile(sys, p); },
    stdout: function (t) { out(1, t); },
    stderr: function (t) { out(2, t); },
    feature: function (name) { return featureStatus(sys, name, env("PATH")); },
    testLog: function (failing) {
      log.trace("trace");
      log.debug("debug");
      log.verbose("verbose");
      log.info("info");
      log.warning("warning");
      if (failing)
        fail("the program failed inexplicably (\"log-fail\" specified)");
    },
    setColor: function (when) {
      if (["auto", "tty", "if-tty"].indexOf(when) >= 0)
        log.setColor(sys.isatty(2));
      else if (["yes", "always", "force"].indexOf(when) >= 0)
        log.setColor(true);
      else if (["no", "never", "none"].indexOf(when) >= 0)
        log.setColor(false);
      else
        fail("--color: invalid arg: " + when, undefined, { hint: "use auto, always or never" });
    },
  };
}

function verboseDump(o: Options, newroot: string | null): void {
  if (!log.enabled(log.LL_VERBOSE))
    return;
  log.verbose("verbosity: " + o.verbosity);
  log.verbose("image: " + o.image);
  log.verbose("storage: " + o.storage);
  log.verbose("newroot: " + (newroot === null ? "(null)" : newroot));
  log.verbose("container uid: " + (o.uid !== undefined ? o.uid : sys.getresuid()[1]));
  log.verbose("container gid: " + (o.gid !== undefined ? o.gid : sys.getresgid()[1]));
  log.verbose("join: " + (o.join ? 1 : 0) + " " + (o.joinCt || 0) + " " + (o.joinTag || "(null)") + " "
              + (o.joinPid || 0));
  log.verbose("private /tmp: " + (o.privateTmp ? 1 : 0));
  log.verbose("seccomp: " + (o.seccomp ? 1 : 0));
  log.verbose("unsafe: " + (o.unsafe ? 1 : 0));
}

function realpathOr(p: string): string {
  try {
    return sys.realpath(p);
  } catch (e) {
    return p;
  }
}

function run(prog: string, args: string[], environ: string[], env: (name: string) => string | undefined): never {
  var ctx = parseContext(prog, env);
  if (args.length === 0) {
    out(2, helpText(prog, optionSpecs(defaultOptions(env), ctx)));
    return exit(EXIT_FAILURE);
  }
  var o = parseOptions(args, ctx);
  if (o.image === undefined || o.command.length === 0) {
    out(1, "usage: " + prog + " [OPTION...] IMAGE -- COMMAND [ARG...]\n");
    fail("IMAGE and/or COMMAND not specified");
  }
  if (statOrNull(sys, o.storage, false) === null)
    log.warning("storage directory not found: " + o.storage);
  o.storage = realpathOr(o.storage);
  var image = resolveImage(sys, o.image as string, o);
  if (o.mount !== undefined && image.kind === "directory")
    log.warning("--mount invalid with directory image, ignoring");
  if (o.mount !== undefined)
    o.mount = realpathOr(o.mount);
  verboseDump(o, image.kind === "squash" ? (o.mount || null) : image.path);
  var user = env("USER") as string;
  var host: HostFacts = {
    euid: sys.getresuid()[1],
    egid: sys.getresgid()[1],
    user: user,
    hostTmp: env("TMPDIR") || "/tmp",
    environ: environ,
    passwd: function (uid) { return sys.getpwuid(uid); },
    group: function (gid) { return sys.getgrgid(gid); },
    squashMount: "/var/tmp/" + user + ".ch/mnt",
  };
  var plan = buildPlan(o, image, host);
  if (o.dryRun !== undefined) {
    out(1, formatPlan(plan, o.dryRun === "json"));
    return exit(0);
  }
  return execute(sys, plan);
}

function skiffHelp(): string {
  return "Usage: skiff COMMAND [ARG...]\n\n"
    + "Unprivileged HPC container runtime, compatible with Charliecloud's ch-run.\n\n"
    + "Commands:\n"
    + "  run [OPTION...] IMAGE -- COMMAND [ARG...]   run COMMAND in IMAGE (see skiff run --help)\n\n"
    + "Options:\n"
    + "  -?, --help     give this help list\n"
    + "  -V, --version  print version and exit\n\n"
    + "Invoked as ch-run, skiff behaves as `skiff run`.\n";
}

function main(): never {
  var argv = native.argv;
  var prog = path.basename(argv[0] || "skiff");
  var environ = sys.environ();
  var env = envLookup(environ);
  log.configure({ prog: prog, pid: sys.getpid, write: function (l) { out(2, l); }, color: false },
                sharedWarningStore(sys.mmap));
  try {
    checkPrivileges();
    sys.syslog(sys.constants.LOG_USER | sys.constants.LOG_INFO,
               "uid=" + sys.getresuid()[0] + " args=" + argv.length + ": " + argvToString(argv));
    if (env("USER") === undefined)
      fail("$USER not set", undefined, { hint: "set USER to your user name" });
    var args = argv.slice(1);
    if (prog === "skiff") {
      if (args[0] === "run") {
        args = args.slice(1);
      } else if (args.length === 0 || args[0] === "--help" || args[0] === "-?") {
        out(args.length === 0 ? 2 : 1, skiffHelp());
        return exit(args.length === 0 ? EXIT_FAILURE : 0);
      } else if (args[0] === "--version" || args[0] === "-V") {
        out(2, VERSION + "\n");
        return exit(0);
      } else {
        fail("unknown command: " + args[0], undefined, { hint: "use skiff run IMAGE -- COMMAND; see skiff --help" });
      }
      prog = "skiff run";
    }
    return run(prog, args, environ, env);
  } catch (e) {
    if (e instanceof Exit)
      return exit(e.code);
    if (e instanceof UsageError) {
      out(2, prog + ": " + e.message + "\nTry `" + prog + " --help' or `" + prog
          + " --usage' for more information.\n");
      return exit(EX_USAGE);
    }
    if (isFailure(e)) {
      log.error(e.message + (e.strerror ? ": " + e.strerror : "") + (e.hint ? " (hint: " + e.hint + ")" : ""));
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
