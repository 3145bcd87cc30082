// A loser's slot in its peer group (src/join/peer.ts claimSlot): one
// compare-and-swap each, whatever the group's size, unless a loser died
// between taking its turn and its claim; and a place for every loser.

import { test } from "node:test";
import * as assert from "node:assert/strict";

import { FakeSys } from "../lib/fakesys.ts";
import { claimSlot } from "../../src/join/peer.ts";
import { fixedSize, Segment } from "../../src/join/segment.ts";

const COUNT = 32;

/** A group of COUNT whose winner holds slot 0, and a FakeSys whose
    processes all have a /proc/PID/stat. */
function group(): { f: FakeSys; seg: Segment } {
  const f = new FakeSys();
  const buffer = new ArrayBuffer(fixedSize(COUNT));
  const i32 = new Int32Array(buffer);
  i32[2] = COUNT; // W.COUNT
  const seg = new Segment(f, buffer);
  i32[seg.slotPidWord(0)] = 1000;
  for (let pid = 1000; pid < 1000 + 2 * COUNT; pid++)
    f.addFile(`/proc/${pid}/stat`, `${pid} (skiff) S${" 0".repeat(18)} ${7000 + pid} 0`);
  return { f, seg };
}

/** Claim as pid: the slot, and how many slots' pid words it tried. */
function claim(f: FakeSys, seg: Segment, pid: number): { slot: number; tries: number } {
  f.pid = pid;
  f.clearCalls();
  const slot = claimSlot(f, seg);
  const first = seg.slotPidWord(1);
  const tries = f.callsOf("atomic_cas").map((a) => (a[1] as number) / 4)
    .filter((w) => w >= first && (w - first) % 4 === 0).length;
  return { slot, tries };
}

test("claimSlot: each of 31 losers takes a slot of its own with one try; the 32nd finds none", () => {
  const { f, seg } = group();
  const slots = new Set<number>();
  for (let k = 1; k < COUNT; k++) {
    const r = claim(f, seg, 1000 + k);
    assert.ok(r.slot >= 1 && r.slot < COUNT, `loser ${k}: slot ${r.slot}`);
    assert.equal(r.tries, 1, `loser ${k} tried ${r.tries} slots`);
    assert.equal(f.callsOf("atomic_cas").length, 2, `loser ${k}: the pid's claim and the status's`);
    assert.equal(seg.slotStart(r.slot), 7000 + 1000 + k);
    slots.add(r.slot);
  }
  assert.equal(slots.size, COUNT - 1);
  assert.equal(claim(f, seg, 1000 + COUNT).slot, -1);
});

for (const [turns, why] of [[2, "two losers took their turns and died before their claims"],
                             [-5, "the turns word holds a negative number"]] as Array<[number, string]>) {
  test(`claimSlot: a place for every loser when ${why}`, () => {
    const { f, seg } = group();
    new Int32Array(seg.buffer)[11] = turns; // W.TURNS
    const slots = new Set<number>();
    for (let k = 1; k < COUNT; k++) {
      const r = claim(f, seg, 1000 + k);
      assert.ok(r.slot >= 1 && r.slot < COUNT, `loser ${k}: slot ${r.slot}`);
      slots.add(r.slot);
    }
    assert.equal(slots.size, COUNT - 1);
    assert.equal(claim(f, seg, 1000 + COUNT).slot, -1);
  });
}
