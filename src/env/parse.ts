// The --set-env file and argument syntax (doc/environment.md §2.3): ch-run's
// env_file_read() and env_var_parse(). A variable is kept as its
// `NAME=VALUE` entry, as in an environ list: a name has no `=`, so the first
// one splits it, and a file of many records costs one string a distinct
// record (the engine interns strings; see native/duk_custom.h for why its
// garbage is only collected when asked, which rules out an object each).

import { fail, isSysError } from "../log/fail";

/** ch-run env_var_parse(): check one record and strip one pair of enclosing
    single quotes from its value. Errors name the record as `PATH:LINE`, or
    by path alone (the argument itself) if line is undefined. */
function parseRecord(record: string, path: string, line?: number): string {
  var eq = record.indexOf("=");
  if (eq < 0)
    fail("can't parse variable: no delimiter: " + (line === undefined ? path : path + ":" + line));
  if (eq === 0)
    fail("can't parse variable: empty name: " + (line === undefined ? path : path + ":" + line));
  if (record.length - eq > 2 && record.charAt(eq + 1) === "'" && record.charAt(record.length - 1) === "'")
    return record.slice(0, eq + 1) + record.slice(eq + 2, -1);
  return record;
}

/** Reads a file in chunks: calls each with successive pieces of its
    contents, throwing the binding's SysError if it can't open or read it. */
export type ReadChunks = (path: string, each: (chunk: string) => void) => void;

/** The most an environment file may hold. Linux execs no command whose
    arguments and environment together exceed 3/4 of its 8 MiB default stack
    limit (fs/exec.c, bprm_stack_limits()), whatever the actual limit: a
    larger file could never become the command's environment. */
export var ENV_FILE_MAX = 6 * 1024 * 1024;

/** ch-run env_file_read(): the variables of a --set-env (delimiter "\n") or
    --set-env0 ("\0") file as `NAME=VALUE` entries, in file order, parsed as
    read, so that an endless or huge input stops at its first bad record or
    at ENV_FILE_MAX. As with getdelim(), a final delimiter ends the last
    record rather than starting an empty one. Each record, being a C string,
    ends at its first NUL, and loses one trailing newline; empty records are
    skipped but still count as lines. Names, values, `#`, `"`, `\` and `\r`
    are otherwise verbatim. An open or read error is `can't open: PATH` or
    `can't read: PATH`, with its strerror. */
export function readEnvFile(read: ReadChunks, path: string, delimiter: "\n" | "\0"): string[] {
  var vars: string[] = [];
  var line = 1;
  var size = 0;
  /** The pieces of a record that began in an earlier chunk, or null. */
  var pending: string[] | null = null;
  /** The pending record already ended at a NUL, and was parsed: the rest
      of it, up to the delimiter, is dropped as read. */
  var ended = false;
  var notDelimiter = delimiter === "\n" ? /[^\n]/g : /[^\x00]/g;

  function record(text: string): void {
    var nul = text.indexOf("\0");
    if (nul >= 0)
      text = text.slice(0, nul);
    if (text.charAt(text.length - 1) === "\n")
      text = text.slice(0, -1);
    if (text !== "")
      vars.push(parseRecord(text, path, line));
  }

  /** Take piece, the start or more of a record that goes on in a later
      chunk; at a NUL the record is complete, and parsed now. */
  function carry(piece: string): void {
    if (pending === null)
      pending = [];
    if (ended)
      return;
    var nul = piece.indexOf("\0");
    pending.push(nul < 0 ? piece : piece.slice(0, nul));
    if (nul >= 0) {
      record(pending.join(""));
      ended = true;
    }
  }

  function each(chunk: string): void {
    size += chunk.length;
    if (size > ENV_FILE_MAX)
      fail("can't read: " + path, undefined, {
        hint: "stopped after " + ENV_FILE_MAX / 1048576 + " MiB: Linux runs no command whose environment "
          + "and arguments are larger (fs/exec.c), so no environment file can be",
      });
    var at = 0;
    while (at < chunk.length) {
      var end = chunk.indexOf(delimiter, at);
      if (end < 0)
        return carry(chunk.slice(at));
      if (pending !== null) {
        carry(chunk.slice(at, end));
        if (!ended)
          record(pending.join(""));
        pending = null;
        ended = false;
      } else if (end === at) { // a run of empty records, skipped at once
        notDelimiter.lastIndex = at;
        var next = notDelimiter.exec(chunk);
        line += (next ? next.index : chunk.length) - at - 1;
        end = (next ? next.index : chunk.length) - 1;
      } else {
        record(chunk.slice(at, end));
      }
      line++;
      at = end + 1;
    }
  }

  try {
    read(path, each);
  } catch (e) {
    return fail((isSysError(e) && e.syscall === "read" ? "can't read: " : "can't open: ") + path, e);
  }
  if (pending !== null && !ended)
    record((pending as string[]).join(""));
  return vars;
}

/** readEnvFile() of text already in memory. */
export function parseEnvRecords(text: string, delimiter: "\n" | "\0", source: string): string[] {
  return readEnvFile(function (_path, each) { each(text); }, source, delimiter);
}

/** `--set-env=NAME=VALUE`: one assignment, parsed like a file line but
    reported by the argument text itself (ch-run env_var_parse() with no
    path), e.g. `can't parse variable: empty name: =bar`. */
export function parseEnvAssignment(arg: string): string {
  return parseRecord(arg, arg);
}
