// Which process a PID is (src/join/proc.ts): the start time, field 22 of
// /proc/PID/stat, found after the last ")" whatever the command name holds.

import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import { FakeSys } from "../lib/fakesys.ts";
import { startTime } from "../../src/join/proc.ts";

/** A stat line of this machine's kernel, as for pid with comm and state. */
function statLine(pid: number, comm: string, state: string): string {
  const real = fs.readFileSync("/proc/self/stat", "utf8");
  return `${pid} (${comm}) ${state} ` + real.slice(real.lastIndexOf(")") + 4);
}

/** Field 22 of line, counted the plain way. */
function field22(line: string): number {
  return Number(line.slice(line.lastIndexOf(")") + 2).split(" ")[22 - 3]);
}

test("start time: field 22 of /proc/PID/stat, whatever the command name holds", () => {
  const f = new FakeSys();
  const comms = ["skiff", "a) b", ") ) (", "x y z 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20", ""];
  comms.forEach((comm, i) => {
    const line = statLine(100 + i, comm, "S");
    f.addFile(`/proc/${100 + i}/stat`, line);
    assert.ok(field22(line) > 0, line);
    assert.equal(startTime(f, 100 + i), field22(line), line);
  });
});

test("start time: a zombie or a dead process has none", () => {
  const f = new FakeSys();
  f.addFile("/proc/7/stat", statLine(7, "z) R", "Z"));
  f.addFile("/proc/8/stat", statLine(8, "x", "X"));
  f.addFile("/proc/9/stat", statLine(9, "Z", "R"));
  assert.equal(startTime(f, 7), null);
  assert.equal(startTime(f, 8), null);
  assert.equal(startTime(f, 10), null);
  assert.ok((startTime(f, 9) as number) > 0);
});
