// --seccomp: root emulation for unprivileged image builds (doc/diagnostics.md §6.6).
// A classic BPF filter makes the ownership and identity syscalls that would
// fail in a single-ID user namespace "succeed" without doing anything
// (SECCOMP_RET_ERRNO with errno 0), so package managers that chown files
// or drop privileges keep going. mknod(2)/mknodat(2) are faked only for
// device files: FIFOs and sockets are really created (#1779).

import { attempt, fail } from "../log/fail";
import * as log from "../log/log";
import { C } from "../sys/constants";
import { Sys } from "../sys/sys";

/** Syscalls faked whatever their arguments; those this architecture lacks
    (-1) are skipped. */
var FAKED = [C.SYS_capset, C.SYS_chown, C.SYS_chown32, C.SYS_fchown, C.SYS_fchown32, C.SYS_fchownat, C.SYS_lchown,
  C.SYS_lchown32, C.SYS_kexec_load, C.SYS_setfsgid, C.SYS_setfsgid32, C.SYS_setfsuid, C.SYS_setfsuid32, C.SYS_setgid,
  C.SYS_setgid32, C.SYS_setgroups, C.SYS_setgroups32, C.SYS_setregid, C.SYS_setregid32, C.SYS_setresgid,
  C.SYS_setresgid32, C.SYS_setresuid, C.SYS_setresuid32, C.SYS_setreuid, C.SYS_setreuid32, C.SYS_setuid,
  C.SYS_setuid32];

// linux/filter.h and linux/seccomp.h
var BPF_LD_W_ABS = 0x20, BPF_JEQ_K = 0x15, BPF_JA = 0x05, BPF_AND_K = 0x54, BPF_RET_K = 0x06;
var RET_ALLOW = 0x7fff0000, RET_ERRNO_0 = 0x00050000;
// struct seccomp_data: nr at 0, arch at 4, args[i] at 16 + 8i (low word
// first on the little-endian architectures skiff builds for)
var OFF_NR = 0, OFF_ARCH = 4;
var NO_SYSCALL = 0xffffffff; // matches no syscall number
function argOffset(i: number): number {
  return 16 + 8 * i;
}

type Insn = [number, number, number, number];

/** The filter as [code, jt, jf, k] instructions for architecture arch
    (its seccomp_data.arch) with these syscall numbers (-1: it lacks it). */
export function seccompProgram(arch: number, faked: number[], mknod: number, mknodat: number): Insn[] {
  var nrs: number[] = [];
  for (var i = 0; i < faked.length; i++)
    if (faked[i] >= 0)
      nrs.push(faked[i]);
  // Layout (BPF jumps only go forward): header(3), one jeq per faked
  // syscall, mknod and mknodat jeqs(2), ALLOW, MKNOD(2), MKNODAT(1),
  // CHECK(4: and, jeq, jeq, ret allow), FAKE.
  var p: Insn[] = [];
  var allow = 3 + nrs.length + 2;
  var mknodAt = allow + 1, mknodatAt = mknodAt + 2, check = mknodatAt + 1, fake = check + 4;
  function jumpTo(to: number): number {
    return to - p.length - 1;
  }
  p.push([BPF_LD_W_ABS, 0, 0, OFF_ARCH]);
  p.push([BPF_JEQ_K, 0, jumpTo(allow), arch]);
  p.push([BPF_LD_W_ABS, 0, 0, OFF_NR]);
  for (var j = 0; j < nrs.length; j++)
    p.push([BPF_JEQ_K, jumpTo(fake), 0, nrs[j]]);
  p.push([BPF_JEQ_K, jumpTo(mknodAt), 0, mknod < 0 ? NO_SYSCALL : mknod]);
  p.push([BPF_JEQ_K, jumpTo(mknodatAt), 0, mknodat < 0 ? NO_SYSCALL : mknodat]);
  p.push([BPF_RET_K, 0, 0, RET_ALLOW]);
  p.push([BPF_LD_W_ABS, 0, 0, argOffset(1)]); // mknod(path, mode, dev)
  p.push([BPF_JA, 0, 0, jumpTo(check)]);
  p.push([BPF_LD_W_ABS, 0, 0, argOffset(2)]); // mknodat(dirfd, path, mode, dev)
  p.push([BPF_AND_K, 0, 0, C.S_IFMT]);
  p.push([BPF_JEQ_K, jumpTo(fake), 0, C.S_IFCHR]);
  p.push([BPF_JEQ_K, jumpTo(fake), 0, C.S_IFBLK]);
  p.push([BPF_RET_K, 0, 0, RET_ALLOW]);
  p.push([BPF_RET_K, 0, 0, RET_ERRNO_0]);
  return p;
}

export function installSeccomp(sys: Sys): void {
  var program = seccompProgram(C.AUDIT_ARCH, FAKED, C.SYS_mknod, C.SYS_mknodat);
  log.verbose("seccomp: installing filter of " + program.length + " instructions");
  var flat: number[] = [];
  for (var i = 0; i < program.length; i++)
    flat.push.apply(flat, program[i]);
  attempt("can't install seccomp filter", function () { sys.seccomp_filter(flat); });
  // kexec_load is faked: if it "succeeds", the filter is in place.
  var ok = false;
  try {
    ok = sys.syscall(C.SYS_kexec_load, 0, 0, 0, 0) === 0;
  } catch (e) {
    ok = false;
  }
  if (!ok)
    fail("seccomp root emulation failed (is your architecture supported?)");
}
