// Logging as ch-run does it (doc/diagnostics.md §6.2-6.3): a message is printed iff
// its level <= the verbosity; lines are `PROG[PID]: [error: |warning: ]MSG`.
// Warnings are also kept in a shared buffer and reprinted at exit.

import { readable } from "./readable";

export var LL_FATAL = -3;
export var LL_STDERR = -2;
export var LL_WARNING = -1;
export var LL_INFO = 0;
export var LL_VERBOSE = 1;
export var LL_DEBUG = 2;
export var LL_TRACE = 3;

/** Where log lines go and who we are; set by main(), defaults for tests. */
export interface LogSink {
  prog: string;
  pid(): number;
  write(line: string): void;
  color: boolean;
}

/** Storage for warnings that outlives fork(): see warnings.ts. */
export interface WarningStore {
  add(line: string): void;
  lines(): string[];
}

/** A message as logged: its level and text (recordLog()). */
export type LogLine = [number, string];

var state = {
  verbosity: 0,
  recording: null as LogLine[] | null,
  sink: { prog: "skiff", pid: function () { return 0; }, write: function (_line: string) {}, color: false } as LogSink,
  store: null as WarningStore | null,
};

export function configure(sink: LogSink, store: WarningStore | null): void {
  state.sink = sink;
  state.store = store;
}

export function setVerbosity(v: number): void {
  state.verbosity = v;
}

export function verbosity(): number {
  return state.verbosity;
}

export function setColor(on: boolean): void {
  state.sink.color = on;
}

/** --program-name: argp renames the program, and so its log lines. */
export function setProg(name: string): void {
  state.sink.prog = name;
}

// ANSI colours per level, as the nvidia-cdi branch's --color.
var COLORS: { [level: string]: string } = {
  "-3": "31;1", "-1": "33", "0": "0", "1": "38;5;245", "2": "38;5;240", "3": "38;5;235",
};

function prefix(level: number): string {
  if (level === LL_FATAL)
    return "error: ";
  if (level === LL_WARNING)
    return "warning: ";
  return "";
}

/** Format a line as ch-run would, without the newline, readable (see
    readable.ts). */
function formatLine(level: number, msg: string): string {
  return readable(state.sink.prog + "[" + state.sink.pid() + "]: " + prefix(level) + msg);
}

/** Write a formatted line, in level's colour if colour is on. */
function writeLine(level: number, line: string): void {
  var color = state.sink.color ? COLORS[String(level)] : undefined;
  state.sink.write(color ? "\x1b[" + color + "m" + line + "\x1b[0m\n" : line + "\n");
}

/** Keep every message logged from now on in lines, whatever the
    verbosity (null: stop): for work whose result is kept and reused, to
    say at reuse what it said (the CDI cache). */
export function recordLog(lines: LogLine[] | null): void {
  state.recording = lines;
}

/** Log a recorded message again, as it was logged. */
export function replay(line: LogLine): void {
  if (line[0] === LL_WARNING)
    warning(line[1]);
  else
    emit(line[0], line[1]);
}

function emit(level: number, msg: string): void {
  if (state.recording !== null)
    state.recording.push([level, msg]);
  if (level <= state.verbosity)
    writeLine(level, formatLine(level, msg));
}

export function error(msg: string): void {
  emit(LL_FATAL, msg);
}

export function warning(msg: string): void {
  if (state.store)
    state.store.add(formatLine(LL_WARNING, msg));
  emit(LL_WARNING, msg);
}

export function info(msg: string): void {
  emit(LL_INFO, msg);
}

export function verbose(msg: string): void {
  emit(LL_VERBOSE, msg);
}

export function debug(msg: string): void {
  emit(LL_DEBUG, msg);
}

export function trace(msg: string): void {
  emit(LL_TRACE, msg);
}

/** True if a message at level would be printed (to skip building costly
    messages on the launch path). */
export function enabled(level: number): boolean {
  return level <= state.verbosity;
}

/** At exit (not exec): reprint the warnings seen, as ch-run does. */
export function reprintWarnings(): void {
  var lines = state.store ? state.store.lines() : [];
  if (lines.length === 0 || state.verbosity < LL_WARNING)
    return;
  emit(LL_WARNING, "reprinting first " + lines.length + " warning(s)");
  for (var i = 0; i < lines.length; i++)
    writeLine(LL_WARNING, lines[i]);
}
