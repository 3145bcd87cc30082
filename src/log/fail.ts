// Fatal errors. Code that cannot go on throws a Failure; main() prints it as
// ch-run does (`PROG[PID]: error: MESSAGE[: STRERROR]`) and exits with its
// code. Failures are plain objects, not Error subclasses, which ES5 cannot
// subclass reliably.

/** Exit statuses, as ch-run HEAD (ch_misc.h). */
export var EXIT_FAILURE = 1;
export var EXIT_MISC_ERR = 31;
export var EXIT_CMD = 49;
export var EX_USAGE = 64;
export var EXIT_SQUASH = 84;

/** Thrown to end the program with this status once all it had to say is
    printed (--help, --version, a usage error, the SquashFS supervisor
    relaying its child's status). */
export class Exit {
  constructor(public code: number) {}
}

export interface Failure {
  failure: true;
  message: string;
  /** strerror text of the system error that caused it, if any. */
  strerror?: string;
  /** What the user can do about it, printed as `(hint: ...)`. */
  hint?: string;
  exitCode: number;
}

/** The binding's error, thrown by throw_errno() in native/binding.c. */
export interface SysError {
  message: string;
  syscall: string;
  errno: number;
  code: string;
  strerror: string;
  path?: string;
  path2?: string;
}

export function isSysError(e: unknown): e is SysError {
  return typeof e === "object" && e !== null && typeof (e as SysError).syscall === "string"
    && typeof (e as SysError).code === "string";
}

/** True if e is a SysError with one of the errno names given. */
export function isErrno(e: unknown, ...codes: string[]): e is SysError {
  return isSysError(e) && codes.indexOf(e.code) >= 0;
}

export function isFailure(e: unknown): e is Failure {
  return typeof e === "object" && e !== null && (e as Failure).failure === true;
}

export interface FailOptions {
  hint?: string;
  exitCode?: number;
}

/** Throw a Failure. If cause is a SysError its strerror is appended; any
    other cause (a bug) is re-thrown unchanged. */
export function fail(message: string, cause?: unknown, options?: FailOptions): never {
  if (cause !== undefined && !isSysError(cause))
    throw cause;
  var f: Failure = {
    failure: true,
    message: message,
    exitCode: (options && options.exitCode) || EXIT_MISC_ERR,
  };
  if (cause !== undefined)
    f.strerror = (cause as SysError).strerror;
  if (options && options.hint)
    f.hint = options.hint;
  throw f;
}

/** The text of an error line: `MESSAGE[: STRERROR][ (hint: HINT)]`. */
export function describeFailure(f: Failure): string {
  return f.message + (f.strerror ? ": " + f.strerror : "") + (f.hint ? " (hint: " + f.hint + ")" : "");
}

/** Run f; turn a SysError it throws into a Failure with message. */
export function attempt<T>(message: string, f: () => T, options?: FailOptions): T {
  try {
    return f();
  } catch (e) {
    if (isSysError(e))
      return fail(message, e, options);
    throw e;
  }
}
