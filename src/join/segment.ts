// The peer group's shared memory, /dev/shm/ch-run_shm-TAG (shm.ts): a fixed header,
// a failure message, one slot per peer, then the winner's container
// environment. Every peer maps it; words that several peers change are
// only touched with atomic operations, and what a state change publishes
// is written before the change.
//
//   bytes    0-63   int32 words W.* (magic, count, state, counters, ...)
//   bytes   64-103  float64 D.* (start times, namespace inodes, ...)
//   bytes  104-1127 failure message, UTF-16, FAIL_UNITS units
//   bytes 1128-     N slots of 16 bytes: int32 pid, int32 status, float64 start
//   then            the environment, NUL-separated, ENV_BYTES bytes

import { Sys } from "../sys/sys";
import { MAX_PEERS } from "../cli/join";

// The layout's numbers are const enums: tsc writes their values where they
// are used, where a module variable would cost Duktape a lookup by name at
// each use, and the unit a variable to make at load (5% of its cost).

export const enum Layout {
  MAGIC = 0x4a464b53, // "SKFJ"
  VERSION = 2,
  FAIL_AT = 104,
  FAIL_UNITS = 512,
  SLOTS_AT = FAIL_AT + 2 * FAIL_UNITS,
  SLOT_BYTES = 16,
}

/** The int32 words. */
export const enum W {
  MAGIC = 0,
  VERSION = 1,
  COUNT = 2,
  /** INIT → READY → (FAILED), or INIT → FAILED. */
  STATE = 3,
  /** Peers in the container so far, winner included. */
  ARRIVED = 4,
  /** RETIRING once someone has taken on unlinking the segment's name;
      TAKEN_OVER once someone else has, because the first died doing it. */
  RETIRED = 5,
  /** The winner: the process that published the segment ... */
  WINNER_PID = 6,
  /** 1 once some peer has taken on recording the group's failure. */
  FAIL_CLAIM = 7,
  FAIL_UNITS = 8,
  ENV_BYTES = 9,
  /** ... and the process whose namespaces peers join, set just before READY:
      the same one, or after a SquashFS fork the publisher's child. */
  CONTAINER_PID = 10,
  /** Slots losers have asked for so far: each one's turn is the slot it
      tries first (Slot's claim is still the compare-and-swap of its pid). */
  TURNS = 11,
  /** Bumped whenever waiting peers should look again (the container is
      complete, a peer arrived, the group failed): their futex. */
  GENERATION = 12,
}

/** The float64s. */
export const enum D {
  WINNER_START = 8,
  CONTAINER_START = 9,
  USERNS = 10,
  MNTNS = 11,
  /** CLOCK_MONOTONIC ms when the name's removal began. */
  RETIRED_AT = 12,
}

export const enum GroupState {
  INIT = 1,
  READY = 2,
  FAILED = 3,
}

/** W.RETIRED's values. */
export const enum Retired {
  RETIRING = 1,
  TAKEN_OVER = 2,
}

/** A slot's status word. */
export const enum Slot {
  CLAIMED = 1,
  ARRIVED = 2,
  DONE = 3,
}

/** Size of a group's segment before the environment is added, which
    starts there. */
export function fixedSize(count: number): number {
  return Layout.SLOTS_AT + Layout.SLOT_BYTES * count;
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
    this.u16 = new Uint16Array(buffer, Layout.FAIL_AT, Layout.FAIL_UNITS);
  }

  /** null if this is a segment skiff made (size bytes, at least
      fixedSize(0)), else why not. */
  problem(size: number): string | null {
    if (this.i32[W.MAGIC] !== Layout.MAGIC)
      return "not made by skiff (" + size + " bytes)";
    if (this.i32[W.VERSION] !== Layout.VERSION)
      return "made by another version of skiff (layout " + this.i32[W.VERSION] + ", not " + Layout.VERSION + ")";
    if (this.i32[W.COUNT] < 1 || this.i32[W.COUNT] > MAX_PEERS)
      return "a peer group of " + this.i32[W.COUNT] + " peers";
    if (size < fixedSize(this.i32[W.COUNT]))
      return "truncated (" + size + " bytes for " + this.i32[W.COUNT] + " peers)";
    return null;
  }

  /** Written only by the winner before publishing, then constant. */
  count(): number {
    return this.i32[W.COUNT];
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

  /** Take on removing the name (from Retired.RETIRING to Retired.TAKEN_OVER, when the
      one who took it on died), once: true for the one who does. */
  retire(from: number): boolean {
    if (!this.cas(W.RETIRED, from, from + 1))
      return false;
    this.f64[D.RETIRED_AT] = this.sys.monotonic();
    return true;
  }

  /** Milliseconds since the name's removal began. */
  retiringFor(): number {
    return this.sys.monotonic() - this.f64[D.RETIRED_AT];
  }

  /** The failure message (UTF-16, so any text survives; truncated). */
  setMessage(text: string): void {
    var n = Math.min(text.length, Layout.FAIL_UNITS);
    for (var i = 0; i < n; i++)
      this.u16[i] = text.charCodeAt(i);
    this.i32[W.FAIL_UNITS] = n;
  }

  message(): string {
    var s = "";
    for (var i = 0, n = Math.min(this.i32[W.FAIL_UNITS], Layout.FAIL_UNITS); i < n; i++)
      s += String.fromCharCode(this.u16[i]);
    return s;
  }

  slotPidWord(slot: number): number {
    return (Layout.SLOTS_AT + Layout.SLOT_BYTES * slot) / 4;
  }

  slotStatusWord(slot: number): number {
    return this.slotPidWord(slot) + 1;
  }

  /** The slot's start time: the 8 bytes after its pid and status words. */
  private slotStartIndex(slot: number): number {
    return this.slotPidWord(slot) / 2 + 1;
  }

  slotStart(slot: number): number {
    return this.f64[this.slotStartIndex(slot)];
  }

  setSlotStart(slot: number, start: number): void {
    this.f64[this.slotStartIndex(slot)] = start;
  }
}
