// Where peers find their group: one name, /dev/shm/ch-run_shm-TAG (the
// name ch-run's shm_open() gives it), for a segment (segment.ts) that
// appears complete or not at all. It is made as an unnamed file (O_TMPFILE)
// and linked in, as glibc's sem_open() does; the link that succeeds makes
// its maker the winner. A peer killed before the link leaves nothing.

import { fail, isErrno } from "../log/fail";
import * as log from "../log/log";
import { JoinPlan } from "../plan/plan";
import { C } from "../sys/constants";
import { Sys } from "../sys/sys";
import { startTime } from "./proc";
import { D, fixedSize, GroupState, Layout, Segment, Slot, W } from "./segment";

export interface Shm {
  tag: string;
  file: string;
}

/** A mapped group segment, and the descriptor it came from. */
export interface Mapped {
  fd: number;
  seg: Segment;
}

export function shmOf(tag: string): Shm {
  return { tag: tag, file: "/dev/shm/ch-run_shm-" + tag };
}

export function ownerHint(n: Shm): string {
  return "another user's peer group has tag " + n.tag + ": choose another --join-tag";
}

export function unmap(sys: Sys, m: Mapped): void {
  sys.munmap(m.seg.buffer);
  sys.close(m.fd);
}

/** Map the group's segment, or null if there is none. */
export function openGroup(sys: Sys, n: Shm): Mapped | null {
  var fd: number;
  try {
    fd = sys.open(n.file, C.O_RDWR | C.O_NOFOLLOW);
  } catch (e) {
    if (isErrno(e, "ENOENT"))
      return null;
    return fail("join: can't open " + n.file, e, isErrno(e, "EACCES") ? { hint: ownerHint(n) } : {});
  }
  var size = sys.fstat(fd).size;
  var problem = size < fixedSize(0) ? "not made by skiff (" + size + " bytes)" : null;
  var seg = problem === null ? new Segment(sys, sys.mmap(fd, size)) : null;
  if (seg !== null)
    problem = seg.problem(size);
  if (problem !== null) {
    if (seg !== null)
      sys.munmap(seg.buffer);
    sys.close(fd);
    fail("join: " + n.file + " is not a skiff peer group: " + problem, undefined,
         { hint: "ch-run and skiff can't share a peer group; if nothing uses it, remove it (and "
           + "/dev/shm/sem.ch-run_sem-" + n.tag + "), or choose another --join-tag" });
  }
  return { fd: fd, seg: seg as Segment };
}

/** Found the group: link a complete segment in under the name, with us as
    its winner in slot 0; null if a group is there already. */
export function publishGroup(sys: Sys, plan: JoinPlan, n: Shm): Mapped | null {
  var size = fixedSize(plan.count);
  var fd: number;
  try {
    fd = sys.open("/dev/shm", C.O_TMPFILE | C.O_RDWR, 384); // 0600
  } catch (e) {
    return fail("join: can't create shared memory in /dev/shm", e,
                { hint: "--join needs /dev/shm, a tmpfs (Linux 3.11 or later for O_TMPFILE)" });
  }
  var seg: Segment | null = null;
  try {
    sys.ftruncate(fd, size);
    seg = new Segment(sys, sys.mmap(fd, size));
    var me = sys.getpid();
    var start = startTime(sys, me) as number;
    seg.set(W.MAGIC, Layout.MAGIC);
    seg.set(W.VERSION, Layout.VERSION);
    seg.set(W.COUNT, plan.count);
    seg.set(W.STATE, GroupState.INIT);
    seg.set(W.WINNER_PID, me);
    seg.setD(D.WINNER_START, start);
    seg.set(seg.slotPidWord(0), me);
    seg.set(seg.slotStatusWord(0), Slot.CLAIMED);
    sys.linkat(C.AT_FDCWD, "/proc/self/fd/" + fd, C.AT_FDCWD, n.file, C.AT_SYMLINK_FOLLOW);
  } catch (e) {
    if (seg !== null)
      sys.munmap(seg.buffer);
    sys.close(fd);
    if (isErrno(e, "EEXIST"))
      return null;
    return fail("join: can't create " + n.file, e);
  }
  log.verbose("join: I won");
  return { fd: fd, seg: seg };
}

/** Unlink the name, if it is still m's: only one peer takes on removing a
    segment (Segment.retire()), but a later group may have its name by the
    time one taken over from a dead peer gets here. */
export function removeName(sys: Sys, n: Shm, m: Mapped): void {
  try {
    var named = sys.stat(n.file);
    var ours = sys.fstat(m.fd);
    if (named.ino === ours.ino && named.dev === ours.dev)
      sys.unlink(n.file);
  } catch (e) {
    if (!isErrno(e, "ENOENT"))
      log.warning("join: can't unlink " + n.file + ": " + (isErrno(e) ? e.message : String(e)));
  }
}
