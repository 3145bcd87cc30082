// The peer group's shared memory, /dev/shm/ch-run_shm-TAG (shm.ts): a fixed header,
// a failure message, one slot per peer, then the winner's container
// environment. Every peer maps it; words that several peers change are
// only touched with atomic operations, and what a state change publishes
// is written before the change.
//
//   bytes    0-63   int32 words W_* (magic, count, state, counters, ...)
//   bytes   64-103  float64 D_* (start times, namespace inodes, ...)
//   bytes  104-1127 failure message, UTF-16, FAIL_UNITS units
//   bytes 1128-     N slots of 16 bytes: int32 pid, int32 status, float64 start
//   then            the environment, NUL-separated, ENV_BYTES bytes

import { Sys } from "../sys/sys";
import { MAX_PEERS } from "../cli/join";

export var MAGIC = 0x4a464b53; // "SKFJ"
export var VERSION = 2;

export var W_MAGIC = 0;
export var W_VERSION = 1;
export var W_COUNT = 2;
/** INIT → READY → (FAILED), or INIT → FAILED. */
export var W_STATE = 3;
/** Peers in the container so far, winner included. */
export var W_ARRIVED = 4;
/** RETIRING once someone has taken on unlinking the segment's name;
    TAKEN_OVER once someone else has, because the first died doing it. */
export var W_RETIRED = 5;
/** The winner: the process that published the segment ... */
export var W_WINNER_PID = 6;
/** 1 once some peer has taken on recording the group's failure. */
export var W_FAIL_CLAIM = 7;
export var W_FAIL_UNITS = 8;
export var W_ENV_BYTES = 9;
/** ... and the process whose namespaces peers join, set just before READY:
    the same one, or after a SquashFS fork the publisher's child. */
export var W_CONTAINER_PID = 10;
/** Bumped whenever waiting peers should look again (the container is
    complete, a peer arrived, the group failed): their futex. */
export var W_GENERATION = 12;

export var D_WINNER_START = 8;
export var D_CONTAINER_START = 9;
export var D_USERNS = 10;
export var D_MNTNS = 11;
/** CLOCK_MONOTONIC ms when the name's removal began. */
export var D_RETIRED_AT = 12;

export var STATE_INIT = 1;
export var STATE_READY = 2;
export var STATE_FAILED = 3;

export var RETIRING = 1;
export var TAKEN_OVER = 2;

export var SLOT_CLAIMED = 1;
export var SLOT_ARRIVED = 2;
export var SLOT_DONE = 3;

var FAIL_AT = 104;
var FAIL_UNITS = 512;
var SLOTS_AT = FAIL_AT + 2 * FAIL_UNITS;
var SLOT_BYTES = 16;

/** Size of a group's segment before the environment is added, which
    starts there. */
export function fixedSize(count: number): number {
  return SLOTS_AT + SLOT_BYTES * count;
}

/** A mapping of the segment. */
export class Segment {
  private i32: Int32Array;
  private f64: Float64Array;
  private u16: Uint16Array;

  constructor(private sys: Sys, public buffer: ArrayBuffer) {
    // A mapping may end mid-word (it can include the environment).
    this.i32 = new Int32Array(buffer, 0, Math.floor(buffer.byteLength / 4));
    this.f64 = new Float64Array(buffer, 0, Math.floor(buffer.byteLength / 8));
    this.u16 = new Uint16Array(buffer, FAIL_AT, FAIL_UNITS);
  }

  /** null if this is a segment skiff made (size bytes, at least
      fixedSize(0)), else why not. */
  problem(size: number): string | null {
    if (this.i32[W_MAGIC] !== MAGIC)
      return "not made by skiff (" + size + " bytes)";
    if (this.i32[W_VERSION] !== VERSION)
      return "made by another version of skiff (layout " + this.i32[W_VERSION] + ", not " + VERSION + ")";
    if (this.i32[W_COUNT] < 1 || this.i32[W_COUNT] > MAX_PEERS)
      return "a peer group of " + this.i32[W_COUNT] + " peers";
    if (size < fixedSize(this.i32[W_COUNT]))
      return "truncated (" + size + " bytes for " + this.i32[W_COUNT] + " peers)";
    return null;
  }

  /** Written only by the winner before publishing, then constant. */
  count(): number {
    return this.i32[W_COUNT];
  }

  load(word: number): number {
    return this.sys.atomic_add(this.buffer, word * 4, 0);
  }

  add(word: number, delta: number): number {
    return this.sys.atomic_add(this.buffer, word * 4, delta);
  }

  /** Compare-and-swap; true if the word was expected and is now desired. */
  cas(word: number, expected: number, desired: number): boolean {
    return this.sys.atomic_cas(this.buffer, word * 4, expected, desired) === expected;
  }

  /** Plain write, for words published by a later atomic operation. */
  set(word: number, value: number): void {
    this.i32[word] = value;
  }

  getD(index: number): number {
    return this.f64[index];
  }

  setD(index: number, value: number): void {
    this.f64[index] = value;
  }

  /** Take on removing the name (from RETIRING to TAKEN_OVER, when the
      one who took it on died), once: true for the one who does. */
  retire(from: number): boolean {
    if (!this.cas(W_RETIRED, from, from + 1))
      return false;
    this.f64[D_RETIRED_AT] = this.sys.monotonic();
    return true;
  }

  /** Milliseconds since the name's removal began. */
  retiringFor(): number {
    return this.sys.monotonic() - this.f64[D_RETIRED_AT];
  }

  /** The failure message (UTF-16, so any text survives; truncated). */
  setMessage(text: string): void {
    var n = Math.min(text.length, FAIL_UNITS);
    for (var i = 0; i < n; i++)
      this.u16[i] = text.charCodeAt(i);
    this.i32[W_FAIL_UNITS] = n;
  }

  message(): string {
    var s = "";
    for (var i = 0, n = Math.min(this.i32[W_FAIL_UNITS], FAIL_UNITS); i < n; i++)
      s += String.fromCharCode(this.u16[i]);
    return s;
  }

  slotPidWord(slot: number): number {
    return (SLOTS_AT + SLOT_BYTES * slot) / 4;
  }

  slotStatusWord(slot: number): number {
    return this.slotPidWord(slot) + 1;
  }

  slotStart(slot: number): number {
    return this.f64[(SLOTS_AT + SLOT_BYTES * slot) / 8 + 1];
  }

  setSlotStart(slot: number, start: number): void {
    this.f64[(SLOTS_AT + SLOT_BYTES * slot) / 8 + 1] = start;
  }
}
