// Running a program for skiff (src/storage/program.ts) against FakeSys:
// the signal mask it leaves behind.

import { test } from "node:test";
import assert from "node:assert/strict";

import { blockStops, unblockStops } from "../../src/storage/interrupt.ts";
import { runProgram } from "../../src/storage/program.ts";
import { MACHINE_CONSTANTS } from "../lib/constants.ts";
import { FakeSys } from "../lib/fakesys.ts";

const C = MACHINE_CONSTANTS;

test("a program run while pull or import hold Ctrl-C & co. leaves them blocked; otherwise unblocks them", () => {
  for (const held of [false, true]) {
    const sys = new FakeSys();
    sys.addDir("/usr/bin");
    sys.addFile("/usr/bin/mksquashfs", "", { mode: 0o755 });
    sys.forkResult = 77;
    sys.childStatus = 0;
    sys.signalsToCome = [C.SIGCHLD];
    if (held)
      blockStops(sys);
    try {
      runProgram(sys, ["mksquashfs"], () => undefined, "squashfs-tools");
      assert.deepEqual(sys.callsOf("sigprocmask").pop(),
                       [C.SIG_UNBLOCK, held ? [C.SIGCHLD] : [C.SIGINT, C.SIGTERM, C.SIGHUP, C.SIGCHLD]], `held: ${held}`);
    } finally {
      if (held)
        unblockStops(sys);
    }
  }
});
