// The host's names in a statically linked skiff (src/names/names.ts), and
// skiff-dynamic for what it can't do (src/linkage/linkage.ts): files from
// the binding, getent(1) for the rest; the exec of skiff-dynamic.

import { afterEach, beforeEach, describe, test } from "node:test";
import * as assert from "node:assert/strict";

import { ExecCalled, execOf, FAKE_HOST, FakeSys } from "../lib/fakesys.js";
import { failureOf } from "../lib/failure.ts";
import { execDynamic, execDynamicIfInstalled } from "../../src/linkage/linkage.js";
import * as log from "../../src/log/log.js";
import { hostNames, lookUpCaller } from "../../src/names/names.js";
import { MACHINE_CONSTANTS as C } from "../lib/constants.js";
import { setHost } from "../../src/sys/host.js";

const ALICE: NativePasswd = { name: "alice", uid: 1000, gid: 1000, gecos: "Alice", dir: "/u/alice", shell: "/bin/sh" };
const ALICE_GROUP: NativeGroup = { name: "alice", gid: 1000 };

/** FakeSys whose spawned getent writes out and exits with status. */
class GetentSys extends FakeSys {
  constructor(public out: string, status: number) {
    super({ users: [ALICE], groups: [ALICE_GROUP], argv: ["skiff", "run", "img", "--", "true"] });
    this.forkResult = 77;
    this.childStatus = status;
    this.addLink("/proc/self/exe", "/opt/skiff/bin/skiff");
  }

  posix_spawn(p: string, argv: string[], envp: string[], actions: NativeSpawnAction[],
              attrs: NativeSpawnAttrs): number {
    const pid = super.posix_spawn(p, argv, envp, actions, attrs);
    for (const a of actions)
      if (a[0] === "dup2" && a[2] === 1)
        this.write(a[1], this.out);
    return pid;
  }
}

let warnings: string[] = [];

function linkage(l: "static" | "dynamic"): void {
  setHost({ ...FAKE_HOST, argv: ["skiff", "run", "img", "--", "true"], linkage: l });
}

beforeEach(() => {
  warnings = [];
  log.configure({ prog: "skiff", pid: () => 7, write: (l) => { warnings.push(l); }, color: false }, null);
  linkage("static");
});
afterEach(() => setHost(FAKE_HOST));

describe("names in a static skiff: /etc/passwd and /etc/group, then getent", () => {
  test("in the files: the binding's entry, no getent", () => {
    const sys = new GetentSys("", 0);
    assert.deepEqual(hostNames(sys).getpwuid(1000), ALICE);
    assert.deepEqual(hostNames(sys).getgrgid(1000), ALICE_GROUP);
    assert.deepEqual(sys.callsOf("posix_spawn"), []);
    assert.ok(lookUpCaller(sys, 1000, 1000));
  });

  test("the caller's entries, looked up at start, are not read again for the files", () => {
    const sys = new GetentSys("", 2 << 8);
    assert.ok(lookUpCaller(sys, 1000, 1000));
    assert.deepEqual([sys.callsOf("getpwuid"), sys.callsOf("getgrgid")], [[[1000]], [[1000]]]);
    assert.deepEqual(hostNames(sys).getpwuid(1000), ALICE);
    assert.deepEqual(hostNames(sys).getgrgid(1000), ALICE_GROUP);
    assert.equal(hostNames(sys).getpwuid(0), null); // another ID: asked
    assert.deepEqual([sys.callsOf("getpwuid"), sys.callsOf("getgrgid")], [[[1000], [0]], [[1000]]]);
    // another Sys (a test's) is asked itself
    const other = new GetentSys("", 0);
    assert.deepEqual(hostNames(other).getpwuid(1000), ALICE);
    assert.deepEqual(other.callsOf("getpwuid"), [[1000]]);
  });

  test("past them: getent's entry, read from a pipe whose ends are both closed after", () => {
    const sys = new GetentSys("bob:x:1601:1602:Bob B.,room 1:/home/bob:/bin/zsh\n", 0);
    assert.deepEqual(hostNames(sys).getpwuid(1601),
                     { name: "bob", uid: 1601, gid: 1602, gecos: "Bob B.,room 1", dir: "/home/bob", shell: "/bin/zsh" });
    const spawn = sys.callsOf("posix_spawn")[0];
    assert.equal(spawn[0], "/usr/bin/getent");
    assert.deepEqual(spawn[1], ["getent", "passwd", "1601"]);
    assert.deepEqual(sys.callsOf("waitpid"), [[77]]);
    assert.equal(sys.callsOf("close").length, 2);
    assert.deepEqual(warnings, []);
    sys.out = "staff:x:1602:bob,carol\n";
    assert.deepEqual(hostNames(sys).getgrgid(1602), { name: "staff", gid: 1602 });
    assert.deepEqual(sys.callsOf("posix_spawn")[1][1], ["getent", "group", "1602"]);
    assert.ok(!lookUpCaller(sys, 1601, 1000));
    assert.ok(!lookUpCaller(sys, 1000, 1602));
  });

  test("getent's \"not found\" (exit 2): no entry, nothing said", () => {
    const sys = new GetentSys("", 2 << 8);
    assert.equal(hostNames(sys).getpwuid(4242), null);
    assert.equal(hostNames(sys).getgrgid(4242), null);
    assert.deepEqual(warnings, []);
  });

  test("getent failing, killed, answering nonsense or missing: a warning naming it, no entry", () => {
    const cases: Array<[GetentSys, RegExp]> = [
      [new GetentSys("", 1 << 8), /getent passwd 4242 failed \(exit 1\) \(hint: check the NSS set-up/],
      [new GetentSys("bob:x:4242:4242:Bob:/:/bin/sh\n", 9), /getent passwd 4242 failed \(signal 9\)/],
      [new GetentSys("bob:x:4242\n", 0), /getent passwd 4242 gave no entry of 7 fields/],
      [new GetentSys("", 0), /getent passwd 4242 gave no entry of 7 fields/],
    ];
    for (const [sys, said] of cases) {
      warnings = [];
      assert.equal(hostNames(sys).getpwuid(4242), null);
      assert.match(warnings.join(""), said);
      assert.deepEqual(sys.callsOf("waitpid"), [[77]]);
    }
    const missing = new GetentSys("", 0);
    missing.inject({ call: "posix_spawn", code: "ENOENT" });
    warnings = [];
    assert.equal(hostNames(missing).getgrgid(4242), null);
    assert.match(warnings.join(""), /warning: can't run \/usr\/bin\/getent group 4242: .*\(hint: skiff asks glibc's getent/);
    assert.deepEqual(missing.callsOf("waitpid"), []);
  });

  test("spawned with signals at their defaults, SIGPIPE included; reaped even if reading fails", () => {
    const sys = new GetentSys("bob:x:1601:1602::/:/bin/sh\n", 0);
    hostNames(sys).getpwuid(1601);
    assert.deepEqual(sys.callsOf("posix_spawn")[0][4], { setsigmask: [], setsigdef: [C.SIGPIPE] });
    const failing = new GetentSys("", 0);
    failing.inject({ call: "read", code: "EBADF" });
    assert.equal(hostNames(failing).getpwuid(1601), null);
    assert.deepEqual(failing.callsOf("waitpid"), [[77]]);
  });

  test("a child reaped for us (SIGCHLD ignored, ECHILD): its answer is taken", () => {
    const sys = new GetentSys("bob:x:1601:1602::/:/bin/sh\n", 0);
    sys.childStatus = null;
    assert.equal(hostNames(sys).getpwuid(1601)?.name, "bob");
    assert.deepEqual(warnings, []);
  });

  test("a caller /etc/passwd lacks: not named here, and getent asked when the files are written", () => {
    const sys = new GetentSys("bob:x:1601:1000::/:/bin/sh\n", 0);
    assert.equal(lookUpCaller(sys, 1601, 1000), false);
    assert.equal(hostNames(sys).getpwuid(1601)?.name, "bob");
    assert.deepEqual(sys.callsOf("getpwuid"), [[1601]]);
    assert.deepEqual(sys.callsOf("posix_spawn").map((c) => c[1]), [["getent", "passwd", "1601"]]);
  });

  test("a files backend that fails (unreadable /etc/group): not named here, nothing thrown", () => {
    const sys = new GetentSys("", 0);
    sys.inject({ call: "getgrgid", code: "EACCES" });
    assert.equal(lookUpCaller(sys, 1000, 1000), false);
  });

  test("a dynamic skiff asks NSS itself: the binding, never getent", () => {
    linkage("dynamic");
    const sys = new GetentSys("bob:x:1601:1602::/:/bin/sh\n", 0);
    assert.equal(hostNames(sys), sys);
    assert.ok(lookUpCaller(sys, 4242, 4242));
  });
});

describe("skiff-dynamic, next to skiff", () => {
  test("exec'd with skiff's own argv and environment", () => {
    const sys = new GetentSys("", 0);
    sys.addFile("/opt/skiff/bin/skiff-dynamic", "ELF", { mode: 0o755 });
    sys.env = ["USER=alice", "X=1"];
    const e: ExecCalled = execOf(() => execDynamicIfInstalled(sys));
    assert.equal(e.file, "/opt/skiff/bin/skiff-dynamic");
    assert.deepEqual(e.argv, ["skiff", "run", "img", "--", "true"]);
    assert.deepEqual(e.env, ["USER=alice", "X=1"]);
  });

  test("missing: execDynamicIfInstalled returns, execDynamic fails naming it and what needs it", () => {
    const sys = new GetentSys("", 0);
    sys.inject({ call: "execve", code: "ENOENT" });
    execDynamicIfInstalled(sys);
    sys.inject({ call: "execve", code: "ENOENT" });
    const f = failureOf(() => execDynamic(sys, "skiff pull"));
    assert.equal(f.message, "can't find /opt/skiff/bin/skiff-dynamic");
    assert.match(f.hint as string, /^skiff pull runs in skiff-dynamic/);
  });

  test("there but failing (EACCES, or ENOENT for its ELF interpreter): fails, naming it", () => {
    const sys = new GetentSys("", 0);
    sys.addFile("/opt/skiff/bin/skiff-dynamic", "ELF", { mode: 0o755 });
    sys.inject({ call: "execve", code: "EACCES" });
    assert.equal(failureOf(() => execDynamicIfInstalled(sys)).message, "can't run /opt/skiff/bin/skiff-dynamic");
    sys.inject({ call: "execve", code: "ENOENT" });
    assert.equal(failureOf(() => execDynamicIfInstalled(sys)).message, "can't run /opt/skiff/bin/skiff-dynamic");
  });

  test("no exec where /proc can't say where skiff is, or skiff is skiff-dynamic (a static one would loop)", () => {
    const sys = new GetentSys("", 0);
    sys.inject({ call: "readlink", code: "ENOENT" });
    execDynamicIfInstalled(sys);
    const self = new GetentSys("", 0);
    self.addFile("/opt/skiff/bin/skiff-dynamic", "ELF", { mode: 0o755 });
    self.unlink("/proc/self/exe");
    self.addLink("/proc/self/exe", "/opt/skiff/bin/skiff-dynamic");
    execDynamicIfInstalled(self);
    assert.deepEqual([sys.callsOf("execve"), self.callsOf("execve")], [[], []]);
  });
});
