// The man pages (skiff.1, skiff-run.1 and one for each other command) and
// README.md's option reference, rendered from the command and option
// tables that also make --help, so they can't disagree. Run at build time
// by scripts/gen-docs.ts; not part of the skiff binary.

import { ARGP_OPTIONS, OptionSpec } from "../src/cli/argp";
import { Command, commands, SKIFF_OPTIONS } from "../src/cli/commands";
import { RUN_OPTIONS } from "../src/cli/options";

/** Every documented option of a table, argp's own included, by long name
    as man pages list them (--help's order is argp's, by short name). */
function documentedOptions(options: OptionSpec[]): OptionSpec[] {
  var all = options.concat(ARGP_OPTIONS);
  return all.filter(function (s) { return !s.hidden; }).sort(function (a, b) {
    return (a.long as string).toLowerCase() < (b.long as string).toLowerCase() ? -1 : 1;
  });
}

function description(s: OptionSpec): string {
  return s.doc !== undefined ? s.doc : s.help.charAt(0).toUpperCase() + s.help.slice(1) + ".";
}

/** The option as it is written: ["-b", "--bind=SRC[:DST]"]. */
function forms(s: OptionSpec): string[] {
  var arg = s.argName === undefined ? "" : s.arg === "optional" ? "[=" + s.argName + "]" : "=" + s.argName;
  var out: string[] = [];
  if (s.short !== undefined)
    out.push("-" + s.short);
  if (s.long !== undefined)
    out.push("--" + s.long + arg);
  return out;
}

//// roff ///////////////////////////////////////////////////////////////////

/** Text safe in a roff line: backslashes escaped, minus signs as such, no
    line starting with a control character. */
function roff(text: string): string {
  return text.replace(/\\/g, "\\e").replace(/-/g, "\\-").replace(/^([.'])/gm, "\\&$1");
}

/** An option form in bold, its argument in italics. */
function roffForm(form: string): string {
  var m = /^(-[^=[]+)(\[?=?)([^\]]*)(\]?)$/.exec(form) as RegExpExecArray;
  if (m[3] === "")
    return "\\fB" + roff(m[1]) + "\\fR";
  return "\\fB" + roff(m[1]) + "\\fR" + roff(m[2]) + "\\fI" + roff(m[3]) + "\\fR" + roff(m[4]);
}

var ENVIRONMENT: Array<[string, string]> = [
  ["USER", "Required, even for --version. Names /home/$USER (--home) and the default storage and SquashFS mount "
    + "directories."],
  ["HOME", "Bound at /home/$USER by --home."],
  ["TMPDIR", "The host directory bound at the container's /tmp (default /tmp), and where the container's "
    + "/etc/passwd and /etc/group are made."],
  ["CH_IMAGE_STORAGE", "The default storage directory."],
  ["OMPI_COMM_WORLD_LOCAL_SIZE, SLURM_STEP_TASKS_PER_NODE, SLURM_CPUS_ON_NODE",
    "The --join peer count, the first one set."],
  ["SLURM_JOB_ID, SLURM_STEP_ID", "The --join peer group tag."],
  ["ARGP_HELP_FMT", "The layout of --help and --usage, as for any argp program."],
  ["POSIXLY_CORRECT", "If set, options end at IMAGE: everything after it is COMMAND."],
];

var EXIT_STATUS: Array<[string, string]> = [
  ["0", "COMMAND succeeded; or --help, --usage, --version, --test=log, --warnings, or --feature for a "
    + "supported feature."],
  ["1", "No IMAGE given (the help is printed on standard error), or --feature overlayfs or tmpfs-xattrs not "
    + "supported."],
  ["31", "skiff failed (the error says why), or --feature extglob, seccomp or squash not supported."],
  ["49", "COMMAND could not be executed."],
  ["64", "The command line is wrong (unknown option, missing argument, ...)."],
  ["84", "A SquashFS image's server stopped before COMMAND ended."],
  ["other", "COMMAND's own exit status; 128+N if a signal N killed it while skiff supervised a SquashFS image."],
];

/** The .TP paragraphs of the options of a table. */
function roffOptions(options: OptionSpec[]): string[] {
  var out: string[] = [];
  var specs = documentedOptions(options);
  for (var i = 0; i < specs.length; i++) {
    var f = forms(specs[i]);
    var head: string[] = [];
    for (var j = 0; j < f.length; j++)
      head.push(roffForm(f[j]));
    out.push(".TP", head.join(", "), roff(description(specs[i])));
  }
  return out;
}

/** argp's doc as man page paragraphs: its parts before and after "\v". */
function paragraphs(doc: string): string[] {
  var out: string[] = [];
  var parts = doc.replace(/\v/g, "\n\n").split(/\n\n+/);
  for (var i = 0; i < parts.length; i++)
    if (parts[i].trim() !== "")
      out.push(out.length ? ".PP" : "", roff(parts[i].trim().replace(/\n/g, " ")));
  return out.filter(function (l) { return l !== ""; });
}

function synopsis(c: Command): string[] {
  return [".B skiff " + roff(c.name), "[\\fIOPTION\\fR...]"
    + (c.argsDoc === "" ? "" : " " + c.argsDoc.split(" ").map(function (w) {
      return w.replace(/[A-Z]+/g, function (m) { return "\\fI" + m + "\\fR"; });
    }).join(" "))];
}

/** skiff(1): the commands. */
export function skiffPage(version: string): string {
  var out = [
    ".TH SKIFF 1 \"\" \"skiff " + roff(version) + "\" \"User Commands\"",
    ".SH NAME",
    "skiff \\- unprivileged HPC container runtime",
    ".SH SYNOPSIS",
    ".B skiff",
    "[\\fIOPTION\\fR...] \\fICOMMAND\\fR [\\fIARG\\fR...]",
    ".SH DESCRIPTION",
    roff("skiff runs commands in containers made from images, with no privileges at all, and gets, lists and "
      + "converts the images it runs. Installed or linked as ch-run it is skiff run: a drop-in replacement for "
      + "Charliecloud's ch-run."),
    ".SH COMMANDS",
  ];
  var all = commands();
  for (var i = 0; i < all.length; i++) {
    var c = all[i];
    out.push(".TP", "\\fBskiff " + roff(c.name) + "\\fR " + roff(c.argsDoc),
             roff(c.summary.charAt(0).toUpperCase() + c.summary.slice(1)) + "."
               + (c.name === "help" ? "" : " See \\fBskiff\\-" + roff(c.name) + "\\fR(1)."));
  }
  out.push(".SH OPTIONS");
  out.push.apply(out, roffOptions(SKIFF_OPTIONS.filter(function (s) { return !s.hidden; })));
  out.push(".SH EXIT STATUS",
           roff("That of COMMAND. 64 for a wrong command line, an unknown COMMAND included; 1 if no COMMAND is "
             + "given (the help is printed on standard error)."),
           ".SH SEE ALSO",
           commands().filter(function (c) { return c.name !== "help"; }).map(function (c) {
             return "skiff\\-" + roff(c.name) + "(1)";
           }).join(", ") + ", ch\\-run(1), ch\\-image(1), ch\\-convert(1)");
  return out.join("\n") + "\n";
}

/** skiff-NAME(1) for a command other than run and help. */
export function commandPage(c: Command, version: string): string {
  var out = [
    ".TH SKIFF\\-" + roff(c.name.toUpperCase()) + " 1 \"\" \"skiff " + roff(version) + "\" \"User Commands\"",
    ".SH NAME",
    "skiff\\-" + roff(c.name) + " \\- " + roff(c.summary),
    ".SH SYNOPSIS",
  ].concat(synopsis(c), [".SH DESCRIPTION"], paragraphs(c.doc("skiff " + c.name)), [".SH OPTIONS"],
           roffOptions(c.options), [
             ".SH ENVIRONMENT",
             ".TP", "\\fBCH_IMAGE_STORAGE\\fR", roff("The storage directory unless -s says (default /var/tmp/$USER.ch)."),
             ".TP", "\\fBUSER\\fR", roff("Required. Names the default storage directory."),
             ".SH EXIT STATUS",
             roff("0 on success; 64 for a wrong command line; 1 or 31 if the command failed (the error says why)."),
             ".SH SEE ALSO",
             "skiff(1), skiff\\-run(1)",
           ]);
  return out.join("\n") + "\n";
}

/** skiff-run(1). */
export function manPage(version: string): string {
  var out = [
    ".TH SKIFF\\-RUN 1 \"\" \"skiff " + roff(version) + "\" \"User Commands\"",
    ".SH NAME",
    "skiff\\-run, ch\\-run \\- run a command in an unprivileged container",
    ".SH SYNOPSIS",
    ".B skiff run",
    "[\\fIOPTION\\fR...] \\fIIMAGE\\fR \\-\\- \\fICOMMAND\\fR [\\fIARG\\fR...]",
    ".br",
    ".B ch\\-run",
    "[\\fIOPTION\\fR...] \\fIIMAGE\\fR \\-\\- \\fICOMMAND\\fR [\\fIARG\\fR...]",
    ".SH DESCRIPTION",
    roff("Run COMMAND in a container made from IMAGE, with no privileges at all: skiff runs as you, in user and "
      + "mount namespaces of its own, and refuses to run setuid or setgid. Installed or linked as ch-run it is "
      + "a drop-in replacement for Charliecloud's ch-run, command line, environment and exit statuses included."),
    ".PP",
    roff("IMAGE is a directory holding an image's root; a SquashFS file; or the name of an image in ch-image's "
      + "storage directory (see -s). Options may come before or after IMAGE; everything after -- is COMMAND. "
      + "Without --, options inside COMMAND are taken as skiff's."),
    ".PP",
    roff("The container sees the host's /dev, /proc and /sys, /etc/hosts, /etc/resolv.conf and /etc/machine-id, "
      + "the host's $TMPDIR as /tmp, and an /etc/passwd and /etc/group listing you. The image itself is "
      + "read-only unless -w or -W is given."),
    ".SH OPTIONS",
  ];
  out.push.apply(out, roffOptions(RUN_OPTIONS));
  out.push(".SH ENVIRONMENT",
           roff("COMMAND starts with skiff's own environment, changed in this order: HOME is set to /root, or / if "
             + "the image has no /root (with --home, /home/$USER); /bin is added to PATH unless PATH starts with "
             + "/bin or contains :/bin; TMPDIR is removed; --set-env, --set-env0 and --unset-env apply in "
             + "command-line order; CH_RUNNING is set to \"Weird Al Yankovic\"; and PWD is set to the working "
             + "directory. COMMAND is looked up in the resulting PATH."),
           ".PP", roff("skiff reads these host variables:"));
  for (var k = 0; k < ENVIRONMENT.length; k++)
    out.push(".TP", "\\fB" + roff(ENVIRONMENT[k][0]) + "\\fR", roff(ENVIRONMENT[k][1]));
  out.push(".SH EXIT STATUS");
  for (var n = 0; n < EXIT_STATUS.length; n++)
    out.push(".TP", "\\fB" + roff(EXIT_STATUS[n][0]) + "\\fR", roff(EXIT_STATUS[n][1]));
  out.push(".SH DIAGNOSTICS",
           roff("Messages go to standard error as PROG[PID]: [error: |warning: ]MESSAGE, PROG being the name skiff "
             + "was run by. Warnings are printed again when skiff exits (not when COMMAND starts). Each invocation "
             + "is logged to syslog as uid=UID args=N: ARGV."),
           ".SH EXAMPLES",
           ".nf",
           roff("$ ch-run /data/foo -- echo hello\nhello\n"
             + "$ skiff run -W --set-env --unset-env='SLURM*' -b /scratch:/mnt/0 img.sqfs -- make -C /mnt/0"),
           ".fi",
           ".SH SEE ALSO",
           "skiff(1), ch\\-run(1), ch\\-image(1), bwrap(1)");
  return out.join("\n") + "\n";
}

//// Markdown ///////////////////////////////////////////////////////////////

/** The README's option list. */
export function optionsMarkdown(): string {
  var out = [
    "<!-- Generated from src/cli/options.ts by scripts/gen-docs.ts; edit the option table, not this file. -->",
    "",
    "### Options of `skiff run` (and `ch-run`)",
    "",
    "`skiff run [OPTION...] IMAGE -- COMMAND [ARG...]`. Options may come before or after IMAGE; everything "
      + "after `--` is COMMAND. Optional arguments must be attached (`-W4g`, `--set-env=FILE`).",
    "",
    "| Option | Description |",
    "|---|---|",
  ];
  var specs = documentedOptions(RUN_OPTIONS);
  for (var i = 0; i < specs.length; i++) {
    var f = forms(specs[i]);
    var cell: string[] = [];
    for (var j = 0; j < f.length; j++)
      cell.push("`" + f[j] + "`");
    out.push("| " + cell.join(", ") + " | " + description(specs[i]).replace(/\|/g, "\\|") + " |");
  }
  out.push("", "Exit status: COMMAND's own; 31 if skiff fails; 49 if COMMAND can't be executed; 64 for a wrong "
    + "command line; 1 if no IMAGE is given.");
  return out.join("\n") + "\n";
}
