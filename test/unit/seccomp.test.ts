// The --seccomp BPF program: structure checked instruction by instruction
// with a tiny interpreter, so a wrong jump or a missed syscall fails here.

import { test } from "node:test";
import * as assert from "node:assert/strict";

import { seccompProgram } from "../../src/exec/seccomp.ts";

// x86_64's numbers, for a few of the faked syscalls
const C = { AUDIT_ARCH: 0xc000003e, S_IFCHR: 0o020000, S_IFBLK: 0o060000, S_IFIFO: 0o010000 };
const FAKED = [92, 93, 105, 246]; // chown, fchown, setuid, kexec_load
const MKNOD = 133, MKNODAT = 259;
const ALLOW = 0x7fff0000, FAKE = 0x00050000;

/** Run the filter on seccomp_data {nr, arch, args}. */
function runFilter(nr: number, arch: number, args: number[]): number {
  const p = seccompProgram(C.AUDIT_ARCH, FAKED, MKNOD, MKNODAT);
  const word = (off: number): number =>
    off === 0 ? nr : off === 4 ? arch : args[(off - 16) / 8];
  let acc = 0;
  for (let pc = 0; pc < p.length; pc++) {
    const [code, jt, jf, k] = p[pc];
    switch (code) {
      case 0x20: acc = word(k); break;
      case 0x54: acc = acc & k; break;
      case 0x15: pc += acc === k ? jt : jf; break;
      case 0x05: pc += k; break;
      case 0x06: return k;
      default: throw new Error(`unknown BPF code ${code}`);
    }
  }
  throw new Error("fell off the end of the filter");
}

test("every jump goes forward and the filter ends in a return", () => {
  const p = seccompProgram(C.AUDIT_ARCH, FAKED, MKNOD, MKNODAT);
  for (const [code, jt, jf, k] of p) {
    assert.ok(jt >= 0 && jf >= 0 && jt < 256 && jf < 256, `jump ${jt}/${jf}`);
    if (code === 0x05)
      assert.ok(k >= 0);
  }
  assert.equal(p[p.length - 1][0], 0x06);
});

test("ownership and identity syscalls are faked, others allowed", () => {
  for (const nr of [92, 93, 105, 246])
    assert.equal(runFilter(nr, C.AUDIT_ARCH, [0, 0, 0]), FAKE, `syscall ${nr}`);
  assert.equal(runFilter(0, C.AUDIT_ARCH, [0, 0, 0]), ALLOW); // read
  assert.equal(runFilter(59, C.AUDIT_ARCH, [0, 0, 0]), ALLOW); // execve
});

test("mknod/mknodat are faked for devices only (#1779: FIFOs are real)", () => {
  assert.equal(runFilter(133, C.AUDIT_ARCH, [0, C.S_IFCHR | 0o644, 0]), FAKE);
  assert.equal(runFilter(133, C.AUDIT_ARCH, [0, C.S_IFBLK | 0o644, 0]), FAKE);
  assert.equal(runFilter(133, C.AUDIT_ARCH, [0, C.S_IFIFO | 0o644, 0]), ALLOW);
  assert.equal(runFilter(259, C.AUDIT_ARCH, [0, 0, C.S_IFCHR | 0o600]), FAKE);
  assert.equal(runFilter(259, C.AUDIT_ARCH, [0, 0, C.S_IFIFO | 0o600]), ALLOW);
});

test("other architectures' syscalls pass untouched", () => {
  assert.equal(runFilter(92, 0x40000003, [0, 0, 0]), ALLOW);
});

test("syscalls this architecture lacks (-1) are left out", () => {
  const program = (faked: number[], mknod: number): number[][] => seccompProgram(C.AUDIT_ARCH, faked, mknod, MKNODAT);
  assert.equal(program([-1, ...FAKED, -1], MKNOD).length, program(FAKED, MKNOD).length);
  assert.equal(program([212, ...FAKED], MKNOD).length, program(FAKED, MKNOD).length + 1);
  // no mknod (aarch64): its check matches no syscall, and no -1 reaches the filter
  assert.ok(program(FAKED, -1).every((insn) => insn[3] >= 0));
});
