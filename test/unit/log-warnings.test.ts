// src/log/warnings.ts: the shared warnings buffer. Two stores over one
// buffer stand for a parent and a forked child sharing a MAP_SHARED page
// (the real fork is tested end to end with --test=log-fork).

import { test } from "node:test";
import assert from "node:assert/strict";

import { sharedWarningStore, WARNINGS_SIZE } from "../../src/log/warnings.ts";

test("lines come back in order, exactly", () => {
  const s = sharedWarningStore(new ArrayBuffer(WARNINGS_SIZE));
  assert.deepEqual(s.lines(), []);
  s.add("ch-run[1]: warning: one");
  s.add("ch-run[1]: warning: two: /path with spaces");
  assert.deepEqual(s.lines(), ["ch-run[1]: warning: one", "ch-run[1]: warning: two: /path with spaces"]);
});

test("what one process adds, another sharing the memory sees (parent and child)", () => {
  const memory = new ArrayBuffer(WARNINGS_SIZE);
  const parent = sharedWarningStore(memory);
  parent.add("ch-run[10]: warning: before fork");
  const child = sharedWarningStore(memory);
  child.add("ch-run[11]: warning: in child");
  parent.add("ch-run[10]: warning: after");
  assert.deepEqual(parent.lines(), ["ch-run[10]: warning: before fork", "ch-run[11]: warning: in child",
                                    "ch-run[10]: warning: after"]);
  assert.deepEqual(child.lines(), parent.lines());
});

test("any text survives: non-ASCII, astral, newlines, NUL, empty", () => {
  const s = sharedWarningStore(new ArrayBuffer(WARNINGS_SIZE));
  const texts = ["caf\u00e9 \u2603 \ud83d\ude00", "two\nlines", "nul\0inside", "", "\x7f\x80\xff", "x"];
  for (const t of texts) s.add(t);
  // an empty warning is nothing, as in ch-run's buffer of C strings
  assert.deepEqual(s.lines(), texts.filter((t) => t !== ""));
});

test("raw bytes (Latin-1 code units, as paths come from the binding) survive", () => {
  const s = sharedWarningStore(new ArrayBuffer(WARNINGS_SIZE));
  const raw = String.fromCharCode(...Array.from({ length: 255 }, (_, i) => i + 1));
  s.add(raw);
  assert.deepEqual(s.lines(), [raw]);
});

test("when full, later warnings are dropped, earlier ones kept whole", () => {
  const s = sharedWarningStore(new ArrayBuffer(WARNINGS_SIZE));
  const line = "w".repeat(99); // 100 bytes with its terminator
  for (let i = 0; i < 50; i++) s.add(line);
  const kept = s.lines();
  assert.equal(kept.length, 40);
  for (const l of kept) assert.equal(l, line);
  s.add("short"); // still fits
  assert.deepEqual(s.lines().slice(40), ["short"]);
});

test("a single warning too big for the buffer is dropped", () => {
  const s = sharedWarningStore(new ArrayBuffer(WARNINGS_SIZE));
  s.add("x".repeat(WARNINGS_SIZE));
  assert.deepEqual(s.lines(), []);
  s.add("fits");
  assert.deepEqual(s.lines(), ["fits"]);
});
