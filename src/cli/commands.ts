// skiff's commands as plain data (crun's src/crun.c keeps such a table): the
// one source of main.ts's dispatch, `skiff help`, each command's --help
// (glibc's argp), the man pages and bash completion (scripts/). What a
// command does lives elsewhere: `run` in main.ts, the image commands in the
// images unit (src/images/unit.ts), which parses their options.

import { ArgpIO, HelpDoc, OptionSpec } from "./argp";
import { ARGS_DOC, RUN_OPTIONS, runDoc } from "./options";
import { Getenv, Sys } from "../sys/sys";

/** What an operand is, for completion: an image (a stored name or a
    path), a stored image's name, a file or directory, a command's name,
    or anything. */
export type Operand = "image" | "name" | "path" | "command" | "word";

/** What a command other than run gets from main.ts. */
export interface CommandIO extends ArgpIO {
  env: Getenv;
}

/** A command other than run: its arguments after its name; returns the
    exit status. */
export type CommandMain = (sys: Sys, args: string[], io: CommandIO) => number;

export interface Command {
  name: string;
  /** One line for `skiff help` (52 characters at most: argp wraps it
      unindented past its right margin) and the man page's NAME. */
  summary: string;
  /** The operands as help shows them, e.g. "SRC DST". */
  argsDoc: string;
  /** The operands, in order, for completion; the last one repeats if
      argsDoc ends with "...". */
  operands: Operand[];
  /** argp's doc (before "\v": after the usage line; after it: after the
      options), under program name prog. */
  doc: (prog: string) => string;
  options: OptionSpec[];
}

function fixed(text: string): (prog: string) => string {
  return function () { return text; };
}

var RUN_COMMAND: Command = {
  name: "run", summary: "run a command in an unprivileged container", argsDoc: ARGS_DOC,
  operands: ["image", "word"], doc: runDoc, options: RUN_OPTIONS,
};

/** (This module is the images unit's: a launch, `skiff run` or ch-run,
    never loads it.) */
var ALL = [RUN_COMMAND].concat(otherCommands());

/** Every command, run first. */
export function commands(): Command[] {
  return ALL;
}

function otherCommands(): Command[] {
  var storage: OptionSpec = {
    short: "s", long: "storage", arg: "required", argName: "DIR",
    help: "set DIR as storage directory",
    doc: "ch-image's storage directory, where images are kept by name (default: $CH_IMAGE_STORAGE, else "
      + "/var/tmp/$USER.ch).",
  };

  /** pull's and import's. */
  var quiet: OptionSpec = {
    short: "q", long: "quiet", arg: "none", help: "print nothing but errors",
    doc: "Print nothing but errors (no progress, no summary of what was dropped).",
  };

  var squash: OptionSpec = {
    long: "squash", arg: "none", help: "write a SquashFS file instead",
    doc: "Write the image as a SquashFS file (mksquashfs, zstd) instead of storing it: NAME if it ends in .sqfs, "
      + "else NAME.sqfs in the current directory, named as in storage (alpine:3.19 is alpine+3.19.sqfs).",
  };

  var verbose: OptionSpec = {
    short: "v", long: "verbose", arg: "none",
    help: "be more verbose (can be repeated)",
    doc: "Log more: each step at -v, debugging detail at -vv.",
  };

  return [
    { name: "images", summary: "list the images in storage", argsDoc: "",
      operands: [],
      doc: fixed("\nList the images in the storage directory, by name: size on disk, format and when it was "
                 + "stored.\n"),
      options: [
        { short: "q", long: "quiet", arg: "none", help: "print names only, one a line",
          doc: "Print only the images' names, one a line, for scripts." },
        storage,
        verbose,
      ] },
    { name: "rm", summary: "remove images from storage", argsDoc: "NAME...",
      operands: ["name"],
      doc: fixed("\nRemove the named images from the storage directory.\n"),
      options: [storage, verbose] },
    { name: "import", summary: "import an image from an archive or a directory", argsDoc: "SRC NAME",
      operands: ["path", "word"],
      doc: fixed("\nImport SRC as image NAME in the storage directory. SRC is a `docker save' archive, an OCI "
                 + "image layout (a directory or a tar of one), a root file system tar (.tar, .tar.gz, .tar.zst, "
                 + "...) or a directory. Layers are applied as the OCI image specification says; device files, "
                 + "owners and setuid/setgid bits are dropped, and nothing is ever written outside the image "
                 + "(doc/import.md).\n"),
      options: [
        quiet,
        squash,
        storage,
        verbose,
      ] },
    { name: "pull", summary: "pull an image from a registry into storage", argsDoc: "REF [NAME]",
      operands: ["word", "word"],
      doc: fixed("\nPull image REF (as Docker writes it: alpine:3.19, ghcr.io/org/img@sha256:..., "
                 + "localhost:5000/x:y) from its registry into the storage directory as NAME (default: REF). "
                 + "Blobs are checked against their digests and kept in the download cache (STORAGE/dlcache), "
                 + "so pulling an image that shares layers downloads only the others. Credentials come from "
                 + "$XDG_RUNTIME_DIR/containers/auth.json and ~/.docker/config.json (podman login, docker "
                 + "login) (doc/pull.md).\n"),
      options: [
        { long: "arch", arg: "required", argName: "ARCH", help: "pull architecture ARCH[/VARIANT] from an index",
          doc: "From a multi-platform image, pull the image for ARCH (amd64, arm64/v8, ...) instead of this "
            + "machine's." },
        { long: "platform", arg: "required", argName: "OS/ARCH", help: "pull platform OS/ARCH[/VARIANT] from an index",
          doc: "As --arch, with the OS too, as Podman and Docker write it: linux/arm64/v8." },
        { long: "tls-verify", arg: "optional", argName: "BOOL",
          help: "check the registry's certificate (default true)",
          doc: "--tls-verify=false: don't check the registry's TLS certificate, and use plain HTTP if the registry "
            + "speaks only that (as Podman's option)." },
        { long: "tls-no-verify", arg: "none", help: "same as --tls-verify=false (ch-image's name)",
          doc: "ch-image's spelling of --tls-verify=false." },
        { long: "ca-file", arg: "required", argName: "FILE", help: "check the registry's certificate against FILE",
          doc: "PEM file of the CA certificates that signed the registry's certificate (a site registry's)." },
        { long: "authfile", arg: "required", argName: "FILE", help: "read credentials from FILE first",
          doc: "A credentials file as podman login writes it, read before the usual ones." },
        quiet,
        squash,
        storage,
        verbose,
      ] },
    { name: "convert", summary: "convert an image to another format", argsDoc: "SRC DST",
      operands: ["image", "path"],
      doc: fixed("\nConvert image SRC to DST, as ch-convert does. Formats: ch-image (an image in storage, by name), "
                 + "dir (a directory), squash (a SquashFS file) and tar (a tar archive, compressed as its suffix "
                 + "says: .tar.gz, .tar.zst, .tar.xz). Unless -i or -o says, a name ending in .sqfs or .squashfs "
                 + "is squash, one ending in .tar or .tar.* is tar, one starting with / or . a directory; "
                 + "otherwise SRC is an image in storage if there is one by that name, else a directory, and DST "
                 + "an image in storage.\n\vDevice nodes, owners other than root and setuid/setgid bits are "
                 + "dropped, as an unprivileged user must. An existing image in storage or file DST is replaced "
                 + "once the new one is complete; an existing directory never is.\n"),
      options: [
        { long: "compression", arg: "required", argName: "ALG",
          help: "SquashFS compression (default: zstd)",
          doc: "Compress a SquashFS DST with ALG, any compressor mksquashfs offers (zstd, gzip, xz, lz4, lzo, "
            + "lzma); default zstd." },
        { short: "i", long: "in-fmt", arg: "required", argName: "FMT",
          help: "SRC's format (default: guessed)",
          doc: "SRC's format: ch-image, dir, squash or tar (default: guessed from SRC)." },
        { short: "o", long: "out-fmt", arg: "required", argName: "FMT",
          help: "DST's format (default: guessed)",
          doc: "DST's format: ch-image, dir, squash or tar (default: guessed from DST)." },
        storage,
        verbose,
      ] },
    { name: "help", summary: "show skiff's help, or COMMAND's", argsDoc: "[COMMAND]",
      operands: ["command"],
      doc: fixed("\nShow the help of skiff, or of COMMAND (as `skiff COMMAND --help').\n"), options: [] },
  ];
}

/** The command of that name, if any. */
export function findCommand(name: string): Command | undefined {
  if (name === RUN_COMMAND.name)
    return RUN_COMMAND;
  var all = commands();
  for (var i = 1; i < all.length; i++)
    if (all[i].name === name)
      return all[i];
  return undefined;
}

/** The commands' names, for messages. */
export function commandNames(): string[] {
  var all = commands(), names: string[] = [];
  for (var i = 0; i < all.length; i++)
    names.push(all[i].name);
  return names;
}

/** --help's subject for command c, called prog ("skiff NAME", or ch-run). */
export function commandHelpDoc(c: Command, prog: string): HelpDoc {
  return { options: c.options, argsDoc: c.argsDoc, doc: c.doc(prog) };
}

/** `skiff` itself: its options before the command, and the command list
    after them (argp's post-doc), aligned as argp aligns options. */
export var SKIFF_OPTIONS: OptionSpec[] = [
  { short: "h", arg: "none", help: "give this help list", hidden: true },
  { short: "V", long: "version", arg: "none", help: "print version and exit",
    doc: "Print the version on standard error and exit." },
];

export function skiffHelpDoc(): HelpDoc {
  var all = commands(), list = "";
  for (var i = 0; i < all.length; i++) {
    var left = "  " + all[i].name;
    list += left + new Array(Math.max(2, 27 - left.length) + 1).join(" ") + all[i].summary + "\n";
  }
  return {
    options: SKIFF_OPTIONS,
    argsDoc: "COMMAND [ARG...]",
    doc: "\nUnprivileged HPC container runtime, compatible with Charliecloud's ch-run.\n\vCommands:\n" + list
      + "\n`skiff COMMAND --help' shows a command's options. Invoked as ch-run, skiff is `skiff run'.\n",
  };
}
