// Running programs with arguments, environment and working directory that
// are arbitrary bytes (Node passes only UTF-8 strings to a child): Perl,
// given each one in hex, sets them up and execs the program. Bytes are
// "binary strings" here, one character (U+0000..U+00FF) a byte.

import { RunOpts, RunResult, run } from "./harness.js";

/** The bytes of parts: strings (bytes already), numbers as bytes. */
export function bytes(...parts: (string | number[])[]): string {
  return parts.map((p) => (typeof p === "string" ? p : String.fromCharCode(...p))).join("");
}

/** The UTF-8 bytes of text. */
export function utf8(text: string): string {
  return Buffer.from(text, "utf8").toString("latin1");
}

/** A binary string as a path for node:fs. */
export function fsPath(b: string): Buffer {
  return Buffer.from(b, "latin1");
}

export function hex(b: string): string {
  return Buffer.from(b, "latin1").toString("hex");
}

export function fromHex(h: string): string {
  return Buffer.from(h, "hex").toString("latin1");
}

const EXEC_FROM_HEX = `
  my ($cwd, $n) = (shift, shift);
  for (1 .. $n) { my ($k, $v) = split /=/, pack("H*", shift), 2; $ENV{$k} = $v; }
  my @argv = map { pack "H*", $_ } @ARGV;
  if ($cwd ne "") { chdir(pack "H*", $cwd) or die "chdir: $!\\n"; }
  exec { $argv[0] } @argv;
  die "exec $argv[0]: $!\\n";
`;

export interface BytesOpts extends RunOpts {
  /** Working directory, as bytes (instead of opts.cwd). */
  cwdBytes?: string;
  /** NAME=VALUE entries added to the environment, as bytes. */
  envBytes?: string[];
}

/** Run ARGV (bytes) as run() does. */
export function runBytes(argv: string[], opts: BytesOpts = {}): RunResult {
  const env = opts.envBytes ?? [];
  return run(["/usr/bin/perl", "-e", EXEC_FROM_HEX, opts.cwdBytes === undefined ? "" : hex(opts.cwdBytes),
              String(env.length), ...env.map(hex), ...argv.map(hex)], opts);
}

/** A shell script printing each of its arguments as hex, one per line
    (busybox od), for: ...COMMAND, "sh", ARG... */
export const PRINT_ARGS_HEX = ["/bin/sh", "-c", "for a; do printf %s \"$a\" | od -An -tx1 | tr -d ' \\n'; echo; done",
                               "sh"];
