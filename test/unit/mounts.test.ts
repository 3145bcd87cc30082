// The executor's mount steps (src/exec/) run against FakeSys: which mount
// calls are made, in what order, with what flags, and what the container's
// tree looks like afterwards (doc/images.md §3.4, §3.6, doc/container.md §4.2–4.7,
// ch_core.c's mounts_setup()/bind_mount()/mkdirs()/pivot()).

import { describe, test } from "node:test";
import * as assert from "node:assert/strict";

import { MACHINE_CONSTANTS } from "../lib/constants.js";
import { ExecCalled, execOf, FAKE_HOST, FakeSys, msFlagNames } from "../lib/fakesys.js";
import { defaultOptions, Options } from "../../src/cli/options.js";
import { execute, newState, runStep } from "../../src/executor/executor.js";
import { State } from "../../src/exec/state.js";
import { joinNamespaces } from "../../src/exec/namespaces.js";
import { Failure } from "../../src/log/fail.js";
import * as log from "../../src/log/log.js";
import { buildPlan, HostFacts } from "../../src/plan/build.js";
import { BindFlag, Plan, Step } from "../../src/plan/plan.js";
import { setHost } from "../../src/sys/host.js";
import { MountFlag } from "../../src/sys/sys.js";
import { getenvOf } from "../lib/environ.ts";
import { failureOf } from "../lib/failure.ts";

const C = MACHINE_CONSTANTS;
const NR = "/var/tmp/img";

const ALICE: NativePasswd = { name: "alice", uid: 1000, gid: 1000, gecos: "Alice", dir: "/u/alice", shell: "/bin/sh" };

/** A host with an image at /var/tmp/img, as ch-convert makes them. */
function makeHost(): FakeSys {
  const f = new FakeSys({ uid: 1000, gid: 1000, users: [ALICE], groups: [{ name: "alice", gid: 1000 }],
                          env: ["PATH=/usr/bin:/bin", "USER=alice", "HOME=/u/alice"] });
  // host
  f.addFile("/dev/null", "", { mode: 0o666, uid: 0, gid: 0 });
  f.addDir("/dev", { uid: 0, gid: 0 });
  for (const n of ["uid_map", "gid_map", "setgroups"])
    f.addFile("/proc/self/" + n, "");
  f.addDir("/proc", { uid: 0, gid: 0 });
  f.addDir("/sys/kernel", { uid: 0, gid: 0 });
  f.addFile("/etc/hosts", "127.0.0.1 localhost\n", { uid: 0, gid: 0 });
  f.addFile("/etc/resolv.conf", "nameserver 10.0.0.1\n", { uid: 0, gid: 0 });
  f.addFile("/etc/machine-id", "0123456789abcdef\n", { uid: 0, gid: 0 });
  f.addDir("/var/spool/slurmd", { uid: 0, gid: 0 });
  f.addFile("/tmp/host-file", "");
  f.addDir("/tmp", { uid: 0, gid: 0, mode: 0o1777 });
  f.addDir("/srv", { uid: 0, gid: 0 });
  f.addFile("/data/dir/content", "D");
  f.addFile("/data/file", "F");
  f.addFile("/data/other", "O");
  f.addDir("/mnt/1", { uid: 0, gid: 0 }); // a host path the image must not reach
  f.addFile("/u/alice/.profile", "P");
  // image
  for (const d of ["bin", "dev", "proc", "sys", "tmp", "mnt/0", "mnt/1", "root", "var/lib/hugetlbfs", "usr/bin"])
    f.addDir(NR + "/" + d);
  f.addFile(NR + "/etc/passwd", "root:x:0:0:image:/root:/bin/sh\n");
  f.addFile(NR + "/etc/group", "root:x:0:\n");
  f.addFile(NR + "/etc/hosts", "");
  f.addFile(NR + "/etc/resolv.conf", "");
  f.addDir("/var/tmp", { uid: 0, gid: 0, mode: 0o1777 });
  f.addDir("/var", { uid: 0, gid: 0 });
  f.addDir("/", { uid: 0, gid: 0 });
  return f;
}

function emptyPlan(newroot = NR): Plan {
  return { newroot: newroot, steps: [], hooks: { host: [], guest: [], all: [] },
           command: { argv: ["true"], sigpipe: "default" }, environ: [] };
}

function state(f: FakeSys, newroot = NR): State {
  return newState(f, emptyPlan(newroot));
}

function run(st: State, steps: Step[]): void {
  for (const s of steps)
    runStep(st, emptyPlan(st.newroot), s);
}

function bindStep(src: string, dst: string, flags: BindFlag[] = ["dst-create"], mountFlags: MountFlag[] = []): Step {
  return { op: "bind", src: src, dst: dst, flags: flags, mountFlags: mountFlags, why: "test" };
}

/** Recorded mount calls as [src, target, type, flag names, data]. */
function mounts(f: FakeSys): unknown[][] {
  return f.callsOf("mount").map((a) => [a[0], a[1], a[2], msFlagNames(a[3] as number), a[4]]);
}


/** As main() prints it. */
function printed(f: Failure): string {
  return f.message + (f.strerror ? ": " + f.strerror : "") + (f.hint ? " (hint: " + f.hint + ")" : "");
}

const BIND = ["MS_BIND", "MS_REC"];
const BIND_RO = ["MS_RDONLY", "MS_BIND", "MS_REC"];
const CLAIM = ["MS_BIND", "MS_REC", "MS_PRIVATE"];

describe("whole default run (execute)", () => {
  const f = makeHost();
  f.setStatvfsFlags("/", C.ST_NOSUID | C.ST_NODEV | C.ST_RELATIME);
  const host: HostFacts = {
    euid: 1000, egid: 1000, user: "alice", hostTmp: "/tmp", environ: f.env.slice(), getenv: getenvOf(f.env),
    ppid: 1, squashMount: "/var/tmp/alice.ch/mnt", sigpipe: "default",
  };
  const o: Options = defaultOptions(() => undefined);
  o.command = ["/bin/sh", "-c", "true"];
  const plan = buildPlan(o, { kind: "directory", ref: NR, path: NR }, host);
  const exec = execOf(() => execute(f, plan));

  test("ends in execvpe of the command", () => {
    assert.ok(exec instanceof ExecCalled);
    assert.equal(exec.file, "/bin/sh");
    assert.deepEqual(exec.argv, ["/bin/sh", "-c", "true"]);
  });

  test("SIGPIPE is given back its inherited disposition just before the exec", () => {
    const last = f.calls.slice(-2);
    assert.deepEqual(last.map((c) => c.call), ["signal", "execvpe"]);
    assert.deepEqual(last[0].args, [C.SIGPIPE, 0]);
  });

  test("two user namespaces with the right maps; a mount namespace only for the inner (a directory image)", () => {
    const unshares = f.callsOf("unshare");
    assert.deepEqual(unshares, [[C.CLONE_NEWUSER], [C.CLONE_NEWNS | C.CLONE_NEWUSER]]);
    const writes = f.callsOf("write").map((a) => a[1]).filter((s) => /^(deny|\d+ \d+ 1)\n$/.test(s as string));
    assert.deepEqual(writes, ["0 1000 1\n", "deny\n", "0 1000 1\n", "1000 0 1\n", "deny\n", "1000 0 1\n"]);
    assert.deepEqual(f.callsOf("open").filter((a) => (a[0] as string).indexOf("/proc/self/") === 0).map((a) => a[0]),
                     ["/proc/self/uid_map", "/proc/self/setgroups", "/proc/self/gid_map",
                      "/proc/self/uid_map", "/proc/self/setgroups", "/proc/self/gid_map"]);
  });

  test("mount calls, in order: claim, ro remount keeping flags, binds skipping the absent, passwd, /tmp, move", () => {
    const m = mounts(f);
    assert.deepEqual(m, [
      [NR, NR, null, CLAIM, null],
      ["/var/tmp", "/var/tmp", null, CLAIM, null],
      [null, NR, null, ["MS_RDONLY", "MS_NOSUID", "MS_NODEV", "MS_REMOUNT", "MS_BIND", "MS_RELATIME"], null],
      ["/dev", NR + "/dev", null, BIND_RO, null],
      ["/proc", NR + "/proc", null, BIND_RO, null],
      ["/sys", NR + "/sys", null, BIND_RO, null],
      ["/etc/hosts", NR + "/etc/hosts", null, BIND_RO, null],
      // /etc/machine-id: not in the image; /var/lib/hugetlbfs: not on the host; slurmd: not in the image
      ["/etc/resolv.conf", NR + "/etc/resolv.conf", null, BIND_RO, null],
      [null, NR + "/dev", "tmpfs", ["MS_NOSUID", "MS_NODEV", "MS_NOEXEC"], null],
      [NR + "/dev/ch-run_passwd", NR + "/etc/passwd", null, BIND, null],
      [NR + "/dev/ch-run_group", NR + "/etc/group", null, BIND, null],
      ["/tmp", NR + "/tmp", null, BIND, null],
      ["/var/tmp", "/", null, ["MS_MOVE"], null],
    ]);
  });

  test("the passwd and group files have no name on the host", () => {
    // one tmpfs for both, detached; then pivot's old root
    assert.deepEqual(f.callsOf("umount2"), [[NR + "/dev", C.MNT_DETACH], ["/dev", C.MNT_DETACH]]);
    // after pivot the host /tmp is the container's /tmp
    assert.deepEqual(f.entries("/tmp"), ["host-file"]);
  });

  test("inside: the image's root with the binds in place", () => {
    assert.deepEqual(f.entries("/"), ["bin", "dev", "proc", "sys", "tmp", "mnt", "root", "var", "usr", "etc"]);
    assert.deepEqual(f.entries("/dev"), ["null"]);
    assert.equal(f.readText("/etc/hosts"), "127.0.0.1 localhost\n");
    assert.equal(f.readText("/etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"
      + "nobody:x:65534:65534:nobody:/:/bin/false\nalice:x:1000:1000:Alice:/:/bin/sh\n");
    assert.equal(f.readText("/etc/group"), "root:x:0:\nnogroup:x:65534:\nalice:x:1000:\n");
    assert.equal(f.exists("/etc/machine-id"), false);
    assert.equal(f.getcwd(), "/");
  });

  test("the container environment: HOME=/root (exists), PATH, PWD, CH_RUNNING", () => {
    const env = exec.env;
    assert.ok(env.indexOf("HOME=/root") >= 0, env.join(" "));
    assert.ok(env.indexOf("PWD=/") >= 0, env.join(" "));
    assert.ok(env.indexOf("CH_RUNNING=Weird Al Yankovic") >= 0, env.join(" "));
    assert.deepEqual(f.callsOf("setenv").slice(-1), [["PATH", "/usr/bin:/bin"]]);
    assert.deepEqual(f.callsOf("prctl"), [[C.PR_SET_NO_NEW_PRIVS, 1]]);
  });
});

describe("--join with a group of one (execute)", () => {
  test("is just a container: a plain launch's calls, and no --join code loaded", () => {
    const calls = (join: boolean): unknown[] => {
      const f = makeHost();
      f.setStatvfsFlags("/", C.ST_NOSUID | C.ST_NODEV | C.ST_RELATIME);
      const o: Options = defaultOptions(() => undefined);
      o.command = ["/bin/true"];
      const plan = buildPlan(o, { kind: "directory", ref: NR, path: NR }, {
        euid: 1000, egid: 1000, user: "alice", hostTmp: "/tmp", environ: f.env.slice(), getenv: getenvOf(f.env),
        ppid: 1, squashMount: "/x", sigpipe: "default",
      });
      if (join)
        plan.join = { count: 1, tag: "one", timeoutMs: 1000 };
      assert.ok(execOf(() => execute(f, plan)) instanceof ExecCalled);
      return f.calls.map((c) => [c.call, c.args]);
    };
    const loaded: string[] = [];
    setHost({ ...FAKE_HOST, load_unit(name: string) { loaded.push(name); return FAKE_HOST.load_unit(name); } });
    try {
      assert.deepEqual(calls(true), calls(false));
    } finally {
      setHost(FAKE_HOST);
    }
    assert.deepEqual(loaded, []);
  });
});

describe("claim-root and remount-ro", () => {
  test("claim binds newroot, then its parent, onto themselves", () => {
    const f = makeHost();
    run(state(f), [{ op: "claim-root" }]);
    assert.deepEqual(mounts(f), [[NR, NR, null, CLAIM, null], ["/var/tmp", "/var/tmp", null, CLAIM, null]]);
  });

  test("remount-ro keeps the mount's statvfs flags; writes then fail with EROFS", () => {
    const f = makeHost();
    f.setStatvfsFlags("/", C.ST_NOSUID | C.ST_NODEV | C.ST_NOEXEC);
    f.lockMounts();
    const st = state(f);
    run(st, [{ op: "claim-root" }, { op: "remount-ro" }]);
    assert.deepEqual(mounts(f)[2], [null, NR, null, ["MS_RDONLY", "MS_NOSUID", "MS_NODEV", "MS_NOEXEC", "MS_REMOUNT", "MS_BIND"], null]);
    assert.equal(f.mountAt(NR)?.ro, true);
    assert.throws(() => f.mkdir(NR + "/x", 0o755), { code: "EROFS" });
  });

  test("remount-ro is skipped when statvfs says read-only (already read-only)", () => {
    const f = makeHost();
    f.readOnly(NR);
    run(state(f), [{ op: "claim-root" }, { op: "remount-ro" }]);
    assert.deepEqual(f.callsOf("statvfs"), [[NR]]);
    assert.equal(mounts(f).length, 2);
  });

  test("remount-ro goes ahead on a writable file system, whatever the image's permissions", () => {
    const f = makeHost();
    f.addDir(NR, { mode: 0o555 });
    run(state(f), [{ op: "claim-root" }, { op: "remount-ro" }]);
    assert.deepEqual(mounts(f)[2], [null, NR, null, ["MS_RDONLY", "MS_REMOUNT", "MS_BIND"], null]);
  });

  test("an unknown statvfs bit fails", () => {
    const f = makeHost();
    f.setStatvfsFlags("/", C.ST_NOSUID | 0x80);
    const e = failureOf(() => run(state(f), [{ op: "claim-root" }, { op: "remount-ro" }]));
    assert.equal(e.message, "unknown mount flags: 0x80 " + NR);
  });

  test("a remount the kernel refuses fails with the image named", () => {
    const f = makeHost();
    f.inject({ call: "mount", code: "EPERM", match: (a) => ((a[3] as number) & C.MS_REMOUNT) !== 0 });
    const e = failureOf(() => run(state(f), [{ op: "claim-root" }, { op: "remount-ro" }]));
    assert.equal(printed(e), "can't remount image read-only: " + NR + ": Operation not permitted");
  });
});

/** The lines logged while f runs at verbosity level. */
function logged(level: number, f: () => void): string[] {
  const lines: string[] = [];
  log.configure({ prog: "ch-run", pid: () => 7, write: (l) => { lines.push(l); }, color: false }, null);
  log.setVerbosity(level);
  try {
    f();
  } finally {
    log.setVerbosity(log.LL_INFO);
  }
  return lines;
}

describe("default binds", () => {
  const DEFAULTS = buildPlan(defaultOptions(() => undefined), { kind: "directory", ref: NR, path: NR }, {
    euid: 1000, egid: 1000, user: "alice", hostTmp: "/tmp", environ: [], getenv: getenvOf([]), squashMount: "/x",
    sigpipe: "default", ppid: 1,
  }).steps.filter((s) => s.op === "bind" && s.why === "default");

  test("optional ones are skipped when the source or the destination is missing", () => {
    const f = makeHost();
    f.addDir("/opt/cray/alps"); // host only
    f.addDir(NR + "/opt/cray/ugni"); // image only
    run(state(f), DEFAULTS);
    assert.deepEqual(mounts(f).map((m) => m[0]), ["/dev", "/proc", "/sys", "/etc/hosts", "/etc/resolv.conf"]);
    assert.equal(f.callsOf("mkdir").length, 0);
    assert.equal(f.callsOf("open").length, 0);
  });

  test("required /proc missing in the image fails", () => {
    const f = makeHost();
    f.rmdir(NR + "/proc");
    const e = failureOf(() => run(state(f), DEFAULTS));
    assert.equal(e.message, "can't bind: destination not found: " + NR + "/proc");
    assert.deepEqual(mounts(f).map((m) => m[0]), ["/dev"]);
  });

  test("required source missing on the host fails", () => {
    const f = makeHost();
    const e = failureOf(() => run(state(f), [bindStep("/nope", "/dev", [])]));
    assert.equal(e.message, "can't bind: source not found: /nope");
  });

  test("an optional destination behind a symlink loop is skipped, said at -v (ch-run's stat fails: it skips)", () => {
    const f = makeHost();
    f.rmdir(NR + "/var/lib/hugetlbfs");
    f.rmdir(NR + "/var/lib");
    f.rmdir(NR + "/var");
    f.addLink(NR + "/var", "/var");
    const said = logged(log.LL_VERBOSE, () => run(state(f), DEFAULTS));
    assert.deepEqual(mounts(f).map((m) => m[0]), ["/dev", "/proc", "/sys", "/etc/hosts", "/etc/resolv.conf"]);
    assert.ok(said.some((l) => l.indexOf("skipping optional bind: too many levels of symbolic links: /var/spool/slurmd") >= 0), said.join("\n"));
  });

  test("a required destination behind a symlink loop fails", () => {
    const f = makeHost();
    f.addLink(NR + "/mnt/loop", "/mnt/loop");
    const e = failureOf(() => run(state(f), [bindStep("/data/dir", "/mnt/loop/x", ["dst-create"])]));
    assert.match(e.message, /too many levels of symbolic links: \/mnt\/loop\/x/);
  });

  test("an optional destination that is an absolute symlink resolves inside the image", () => {
    const f = makeHost();
    f.unlink(NR + "/etc/resolv.conf");
    f.addLink(NR + "/etc/resolv.conf", "/etc/resolv.conf.real");
    f.addFile(NR + "/etc/resolv.conf.real", "");
    f.addFile("/etc/resolv.conf.real", "host!"); // must not be the target
    run(state(f), [bindStep("/etc/resolv.conf", "/etc/resolv.conf", ["src-optional", "dst-optional"], ["MS_RDONLY"])]);
    assert.deepEqual(mounts(f), [["/etc/resolv.conf", NR + "/etc/resolv.conf.real", null, BIND_RO, null]]);
    assert.equal(f.readText("/etc/resolv.conf.real"), "host!");
    assert.equal(f.readText(NR + "/etc/resolv.conf.real"), "nameserver 10.0.0.1\n");
    assert.equal(f.info(NR + "/etc/resolv.conf").target, "/etc/resolv.conf.real");
  });
});

describe("bind destinations", () => {
  test("a missing directory destination is created (writable image)", () => {
    const f = makeHost();
    const st = state(f);
    run(st, [bindStep("/data/dir", "/opt/new/dir")]);
    assert.deepEqual(f.callsOf("mkdir"), [[NR + "/opt", 0o755], [NR + "/opt/new", 0o755], [NR + "/opt/new/dir", 0o755]]);
    assert.deepEqual(mounts(f), [["/data/dir", NR + "/opt/new/dir", null, BIND, null]]);
    assert.deepEqual(f.tree(NR + "/opt"), ["d 755 new", "d 755 new/dir", "f 644 new/dir/content"]);
    assert.deepEqual(st.bindPaths, [NR + "/opt/new/dir"]);
  });

  test("a missing FILE destination is created as an empty 0600 regular file", () => {
    const f = makeHost();
    run(state(f), [bindStep("/data/file", "/etc/conf.d/new.conf")]);
    assert.deepEqual(f.callsOf("mkdir"), [[NR + "/etc/conf.d", 0o755]]);
    assert.deepEqual(f.callsOf("open"), [[NR + "/etc/conf.d/new.conf", C.O_CREAT | C.O_EXCL | C.O_WRONLY, 0o600]]);
    assert.deepEqual(mounts(f), [["/data/file", NR + "/etc/conf.d/new.conf", null, BIND, null]]);
    f.umount2(NR + "/etc/conf.d/new.conf", 0);
    assert.deepEqual(f.info(NR + "/etc/conf.d/new.conf"),
                     { type: "file", mode: 0o600, uid: 1000, gid: 1000, content: "",
                       ino: f.info(NR + "/etc/conf.d/new.conf").ino });
  });

  test("an existing destination: no creation", () => {
    const f = makeHost();
    run(state(f), [bindStep("/data/dir", "/mnt/0")]);
    assert.deepEqual(f.callsOf("mkdir"), []);
    assert.deepEqual(mounts(f), [["/data/dir", NR + "/mnt/0", null, BIND, null]]);
  });

  test("a missing destination without dst-create fails", () => {
    const f = makeHost();
    const e = failureOf(() => run(state(f), [bindStep("/data/dir", "/nope", [])]));
    assert.equal(e.message, "can't bind: destination not found: " + NR + "/nope");
    assert.equal(mounts(f).length, 0);
  });

  test("read-only image: directory destination fails with EROFS and a -W hint", () => {
    const f = makeHost();
    const st = state(f);
    run(st, [{ op: "claim-root" }, { op: "remount-ro" }]);
    const e = failureOf(() => run(st, [bindStep("/data/dir", "/newdir")]));
    assert.equal(e.message, "can't mkdir: " + NR + "/newdir");
    assert.equal(e.strerror, "Read-only file system");
    assert.match(printed(e), /Read-only file system \(hint: .*-W/);
  });

  test("read-only image: file destination fails with EROFS and a -W hint", () => {
    const f = makeHost();
    const st = state(f);
    run(st, [{ op: "claim-root" }, { op: "remount-ro" }]);
    const e = failureOf(() => run(st, [bindStep("/data/file", "/etc/new.conf")]));
    assert.equal(e.message, "can't create bind destination: " + NR + "/etc/new.conf");
    assert.equal(e.strerror, "Read-only file system");
    assert.match(e.hint || "", /-W/);
    assert.equal(f.exists(NR + "/etc/new.conf"), false);
  });

  for (const dst of ["/..", "/../x", "/mnt/../../etc"]) {
    test("destination escaping the image is refused: " + dst, () => {
      const f = makeHost();
      const e = failureOf(() => run(state(f), [bindStep("/data/dir", dst)]));
      assert.match(e.message, /^can't bind: \/\S* not subdirectory of \/\S+$/);
      assert.ok(e.message.endsWith(" not subdirectory of " + NR), e.message);
      assert.deepEqual(f.callsOf("mkdir"), []);
      assert.deepEqual(mounts(f), []);
    });
  }

  test("destination through a relative symlink in the image", () => {
    const f = makeHost();
    f.addLink(NR + "/mnt/link", "0");
    f.addLink(NR + "/scratch", "../../../../../mnt/1"); // climbs no higher than the image root
    run(state(f), [bindStep("/data/dir", "/mnt/link"), bindStep("/data/other", "/scratch/o")]);
    assert.deepEqual(mounts(f), [["/data/dir", NR + "/mnt/0", null, BIND, null],
                                 ["/data/other", NR + "/mnt/1/o", null, BIND, null]]);
    assert.equal(f.exists("/mnt/1/o"), false);
  });

  test("destination through an ABSOLUTE symlink in the image stays in the image", () => {
    const f = makeHost();
    f.addLink(NR + "/opt", "/mnt/1"); // the host has a /mnt/1 too
    f.addLink(NR + "/mnt/0/deeper", "/usr/bin");
    run(state(f), [bindStep("/data/dir", "/opt"), bindStep("/data/file", "/mnt/0/deeper/f")]);
    assert.deepEqual(mounts(f), [["/data/dir", NR + "/mnt/1", null, BIND, null],
                                 ["/data/file", NR + "/usr/bin/f", null, BIND, null]]);
    assert.deepEqual(f.callsOf("open"), [[NR + "/usr/bin/f", C.O_CREAT | C.O_EXCL | C.O_WRONLY, 0o600]]);
    assert.equal(f.mountAt("/mnt/1"), null);
  });

  test("an absolute symlink chain to a missing directory is created inside the image", () => {
    const f = makeHost();
    f.addLink(NR + "/work", "/mnt/9/work");
    run(state(f), [bindStep("/data/dir", "/work")]);
    assert.deepEqual(f.callsOf("mkdir"), [[NR + "/mnt/9", 0o755], [NR + "/mnt/9/work", 0o755]]);
    assert.deepEqual(mounts(f), [["/data/dir", NR + "/mnt/9/work", null, BIND, null]]);
    assert.equal(f.exists("/mnt/9"), false);
  });

  test("nothing is created inside an earlier bind", () => {
    const f = makeHost();
    const st = state(f);
    run(st, [bindStep("/data/dir", "/mnt/0")]);
    const e = failureOf(() => run(st, [bindStep("/data/other", "/mnt/0/sub/x")]));
    assert.equal(e.message, "can't mkdir: " + NR + "/mnt/0/sub under existing bind-mount " + NR + "/mnt/0");
    const g = failureOf(() => run(st, [bindStep("/data/file", "/mnt/0/new.conf")]));
    assert.match(g.message, /under existing bind-mount/);
    assert.deepEqual(f.entries("/data/dir"), ["content"]); // the host directory is untouched
    assert.equal(mounts(f).length, 1);
  });

  test("an existing path inside an earlier bind may be bound over", () => {
    const f = makeHost();
    const st = state(f);
    run(st, [bindStep("/data/dir", "/mnt/0"), bindStep("/data/file", "/mnt/0/content")]);
    assert.deepEqual(mounts(f)[1], ["/data/file", NR + "/mnt/0/content", null, BIND, null]);
  });

  test("unwritable parent without -W: EACCES", () => {
    const f = makeHost();
    f.addDir(NR + "/foo", { uid: 0, gid: 0, mode: 0o755 });
    const e = failureOf(() => run(state(f), [bindStep("/data/dir", "/foo/bar")]));
    assert.equal(printed(e), "can't mkdir: " + NR + "/foo/bar: Permission denied");
  });
});

describe("-W: write-fake and the overmount symlink ranch", () => {
  test("tmpfs at /srv, the directories, the overlay; newroot and scratch move", () => {
    const f = makeHost();
    const st = state(f);
    run(st, [{ op: "write-fake", size: "1g" }]);
    assert.deepEqual(mounts(f), [
      [null, "/srv", "tmpfs", [], "size=1g"],
      ["weirdal", "/srv/merged", "overlay", [],
       "lowerdir=" + NR + ",upperdir=/srv/upper,workdir=/srv/work,index=on,userxattr,volatile"],
    ]);
    assert.deepEqual(f.callsOf("mkdir"), [["/srv/upper", 0o700], ["/srv/work", 0o700], ["/srv/merged", 0o700],
                                          ["/srv/mkdir_overmount", 0o700]]);
    assert.deepEqual(f.callsOf("stat"), [[NR]]);
    assert.equal(st.newroot, "/srv/merged");
    assert.equal(st.scratch, "/srv/mkdir_overmount");
    assert.deepEqual(f.entries("/srv/merged"), f.entries(NR));
  });

  test("after write-fake the read-only image is writable through the overlay", () => {
    const f = makeHost();
    const st = state(f);
    run(st, [{ op: "claim-root" }, { op: "remount-ro" }, { op: "write-fake", size: "12%" }]);
    run(st, [bindStep("/data/dir", "/newdir")]);
    assert.deepEqual(mounts(f).slice(-1), [["/data/dir", "/srv/merged/newdir", null, BIND, null]]);
  });

  test("a bad size fails as ch-run does", () => {
    const f = makeHost();
    const e = failureOf(() => run(state(f), [{ op: "write-fake", size: "lots" }]));
    assert.equal(e.message, "cannot mount tmpfs for overlay");
    assert.equal(e.strerror, "Invalid argument");
    assert.match(e.hint!, /^size=lots; /);
  });

  test("an image under /srv is hidden by the tmpfs", () => {
    const f = makeHost();
    f.addDir("/srv/img/dev");
    const e = failureOf(() => run(state(f, "/srv/img"), [{ op: "write-fake", size: "1m" }]));
    assert.equal(printed(e), "can't stat new root; overmounted by tmpfs for -W?: /srv/img: No such file or directory");
  });

  test("unwritable parent: .orig, symlinks to the old entries, and the new directory", () => {
    const f = makeHost();
    f.addDir(NR + "/foo/directory-in-foo");
    f.addFile(NR + "/foo/file-in-foo", "x");
    f.addDir(NR + "/foo", { uid: 0, gid: 0, mode: 0o755 });
    const st = state(f);
    run(st, [{ op: "claim-root" }, { op: "remount-ro" }, { op: "write-fake", size: "12%" }]);
    f.clearCalls();
    run(st, [bindStep("/data/dir", "/foo/bar")]);
    assert.deepEqual(mounts(f), [
      ["/srv/merged/foo", "/srv/mkdir_overmount/1/.orig", null, BIND, null],
      ["/srv/mkdir_overmount/1", "/srv/merged/foo", null, BIND, null],
      ["/data/dir", "/srv/merged/foo/bar", null, BIND, null],
    ]);
    assert.deepEqual(f.callsOf("symlink"), [[".orig/directory-in-foo", "/srv/merged/foo/directory-in-foo"],
                                            [".orig/file-in-foo", "/srv/merged/foo/file-in-foo"]]);
    assert.deepEqual(f.entries("/srv/merged/foo"), [".orig", "directory-in-foo", "file-in-foo", "bar"]);
    assert.equal(f.info("/srv/merged/foo/file-in-foo").target, ".orig/file-in-foo");
    assert.equal(f.readText("/srv/merged/foo/file-in-foo"), "x");
    assert.deepEqual(f.entries("/srv/merged/foo/bar"), ["content"]);
    assert.deepEqual(st.bindPaths, ["/srv/merged/foo/bar"]);
  });

  test("unwritable parent of a FILE destination: ranch, then the empty file", () => {
    const f = makeHost();
    f.addFile(NR + "/etc/old.conf", "o");
    f.addDir(NR + "/etc", { uid: 0, gid: 0 });
    const st = state(f);
    run(st, [{ op: "write-fake", size: "12%" }]);
    f.clearCalls();
    run(st, [bindStep("/data/file", "/etc/new.conf")]);
    assert.deepEqual(mounts(f).map((m) => [m[0], m[1]]), [
      ["/srv/merged/etc", "/srv/mkdir_overmount/1/.orig"], ["/srv/mkdir_overmount/1", "/srv/merged/etc"],
      ["/data/file", "/srv/merged/etc/new.conf"],
    ]);
    assert.deepEqual(f.entries("/srv/merged/etc"), [".orig", "passwd", "group", "hosts", "resolv.conf", "old.conf",
                                                    "new.conf"]);
    assert.equal(f.readText("/srv/merged/etc/new.conf"), "F");
    assert.equal(f.readText("/srv/merged/etc/old.conf"), "o");
  });

  test("a second overmount takes the next scratch number", () => {
    const f = makeHost();
    f.addDir(NR + "/a", { uid: 0, gid: 0 });
    f.addDir(NR + "/b", { uid: 0, gid: 0 });
    const st = state(f);
    run(st, [{ op: "write-fake", size: "12%" }, bindStep("/data/dir", "/a/x"), bindStep("/data/dir", "/b/y")]);
    assert.deepEqual(mounts(f).slice(2).map((m) => [m[0], m[1]]), [
      ["/srv/merged/a", "/srv/mkdir_overmount/1/.orig"], ["/srv/mkdir_overmount/1", "/srv/merged/a"],
      ["/data/dir", "/srv/merged/a/x"],
      ["/srv/merged/b", "/srv/mkdir_overmount/2/.orig"], ["/srv/mkdir_overmount/2", "/srv/merged/b"],
      ["/data/dir", "/srv/merged/b/y"],
    ]);
  });

  test("--home with a root-owned /home: /home/$USER via the ranch, HOME set", () => {
    const f = makeHost();
    f.addDir(NR + "/home/bob");
    f.addDir(NR + "/home", { uid: 0, gid: 0 });
    const o = defaultOptions(() => undefined);
    o.command = ["true"];
    o.hostHome = "/u/alice";
    o.writeFake = "12%";
    const plan = buildPlan(o, { kind: "directory", ref: NR, path: NR }, {
      euid: 1000, egid: 1000, user: "alice", hostTmp: "/tmp", environ: ["HOME=/u/alice"],
      getenv: getenvOf(["HOME=/u/alice"]), squashMount: "/x", sigpipe: "default", ppid: 1,
    });
    const exec = execOf(() => execute(f, plan));
    assert.deepEqual(f.entries("/home"), [".orig", "bob", "alice"]);
    assert.equal(f.readText("/home/alice/.profile"), "P");
    assert.ok(exec.env.indexOf("HOME=/home/alice") >= 0, exec.env.join(" "));
  });
});

describe("destination paths with odd components", () => {
  test("an optional bind whose destination path has a non-directory in it is skipped, as ch-run does", () => {
    const f = makeHost();
    f.addFile(NR + "/etc/opt", "not a directory");
    f.addDir("/etc/opt/cray/wlm_detect");
    run(state(f), [bindStep("/etc/opt/cray/wlm_detect", "/etc/opt/cray/wlm_detect", ["src-optional", "dst-optional"],
                            ["MS_RDONLY"])]);
    assert.deepEqual(mounts(f), []);
  });

  test("'..' after a created component stays inside the image (mkdir -p semantics)", () => {
    const f = makeHost();
    run(state(f), [bindStep("/data/dir", "/mnt/new/../x")]);
    assert.deepEqual(mounts(f), [["/data/dir", NR + "/mnt/x", null, BIND, null]]);
  });
});

describe("guest hooks", () => {
  function homeAfter(f: FakeSys): string | undefined {
    const plan = emptyPlan("/");
    plan.hooks.guest.push({ name: "env-defaults-first", action: { op: "env-defaults-first", home: ["/root", "/"] } });
    const st = newState(f, plan);
    runStep(st, plan, { op: "hooks", list: "guest" });
    return st.env.get("HOME");
  }

  test("HOME is /root when the container has it, else /", () => {
    const f = new FakeSys();
    assert.equal(homeAfter(f), "/");
    f.addDir("/root", { uid: 0, mode: 0o700 });
    assert.equal(homeAfter(f), "/root");
    assert.deepEqual(f.callsOf("stat_if_exists"), [["/root"], ["/root"]]);
  });
});

describe("passwd/group file binds", () => {
  const PASSWD = { dst: "/etc/passwd", content: { kind: "passwd", uid: 1000, gid: 1000 } as const,
                  tmpName: "ch-run_passwd" };
  const GROUP = { dst: "/etc/group", content: { kind: "group", gid: 1000 } as const, tmpName: "ch-run_group" };
  const FILE: Step = { op: "files", files: [PASSWD] };
  const TMPFS = ["MS_NOSUID", "MS_NODEV", "MS_NOEXEC"];

  test("made on a tmpfs over the image's /dev, bound, the tmpfs detached: no name on the host", () => {
    const f = makeHost();
    run(state(f), [FILE]);
    assert.deepEqual(mounts(f), [
      [null, NR + "/dev", "tmpfs", TMPFS, null],
      [NR + "/dev/ch-run_passwd", NR + "/etc/passwd", null, BIND, null],
    ]);
    assert.deepEqual(f.callsOf("open"), [[NR + "/dev/ch-run_passwd", C.O_CREAT | C.O_EXCL | C.O_WRONLY, 0o600]]);
    assert.deepEqual(f.callsOf("umount2"), [[NR + "/dev", C.MNT_DETACH]]);
    assert.equal(f.readText(NR + "/etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"
      + "nobody:x:65534:65534:nobody:/:/bin/false\n" + "alice:x:1000:1000:" + ALICE.gecos + ":/:/bin/sh\n");
    assert.deepEqual(f.callsOf("getpwuid"), [[1000]]); // the host's entry, asked for when written
    assert.deepEqual(f.entries(NR + "/dev"), []);
    assert.deepEqual(f.entries("/tmp"), ["host-file"]);
    const names = f.callNames();
    assert.ok(names.indexOf("write") < names.indexOf("close"));
    assert.ok(names.lastIndexOf("mount") < names.indexOf("umount2"));
  });

  test("two files: one tmpfs for both, detached once after both binds", () => {
    const f = makeHost();
    run(state(f), [{ op: "files", files: [PASSWD, GROUP] }]);
    assert.deepEqual(mounts(f), [
      [null, NR + "/dev", "tmpfs", TMPFS, null],
      [NR + "/dev/ch-run_passwd", NR + "/etc/passwd", null, BIND, null],
      [NR + "/dev/ch-run_group", NR + "/etc/group", null, BIND, null],
    ]);
    assert.deepEqual(f.callsOf("umount2"), [[NR + "/dev", C.MNT_DETACH]]);
    assert.equal(f.readText(NR + "/etc/group"), "root:x:0:\nnogroup:x:65534:\nalice:x:1000:\n");
    assert.deepEqual(f.entries(NR + "/dev"), []);
    const names = f.callNames();
    assert.ok(names.indexOf("getgrgid") < names.indexOf("mount"), "both contents are rendered before the tmpfs is mounted");
  });

  test("the tmpfs is detached even when the destination is missing", () => {
    const f = makeHost();
    f.unlink(NR + "/etc/passwd");
    const e = failureOf(() => run(state(f), [FILE]));
    assert.equal(e.message, "can't bind: destination not found: " + NR + "/etc/passwd");
    assert.deepEqual(f.callsOf("umount2"), [[NR + "/dev", C.MNT_DETACH]]);
    assert.deepEqual(f.entries(NR + "/dev"), []);
  });

  test("the tmpfs is detached even when the bind fails", () => {
    const f = makeHost();
    f.inject({ call: "mount", code: "EPERM", match: (a) => a[2] === null });
    const e = failureOf(() => run(state(f), [FILE]));
    assert.equal(printed(e), "can't bind " + NR + "/dev/ch-run_passwd at " + NR + "/etc/passwd: Operation not permitted");
    assert.deepEqual(f.callsOf("umount2"), [[NR + "/dev", C.MNT_DETACH]]);
  });

  test("a tmpfs that can't be mounted fails naming where", () => {
    const f = makeHost();
    f.inject({ call: "mount", code: "EPERM" });
    const e = failureOf(() => run(state(f), [FILE]));
    assert.equal(printed(e), "can't mount tmpfs at " + NR + "/dev: Operation not permitted");
    assert.deepEqual(f.callsOf("open"), []);
  });
});

describe("tmpfs and pivot", () => {
  test("-t: tmpfs at NEWROOT/tmp", () => {
    const f = makeHost();
    run(state(f), [{ op: "tmpfs", dst: "/tmp" }]);
    assert.deepEqual(mounts(f), [[null, NR + "/tmp", "tmpfs", [], null]]);
  });

  test("pivot: the exact dance, then / is the image", () => {
    const f = makeHost();
    const st = state(f);
    run(st, [{ op: "claim-root" }, bindStep("/dev", "/dev", [])]);
    f.clearCalls();
    run(st, [{ op: "pivot" }]);
    assert.deepEqual(f.calls, [
      { call: "chdir", args: ["/var/tmp"] },
      { call: "mount", args: ["/var/tmp", "/", null, C.MS_MOVE, null] },
      { call: "chroot", args: ["."] },
      { call: "chdir", args: ["/img"] },
      { call: "pivot_root", args: ["/img", "/img/dev"] },
      { call: "chroot", args: ["."] },
      { call: "umount2", args: ["/dev", C.MNT_DETACH] },
    ]);
    assert.equal(st.newroot, "/");
    assert.deepEqual(f.entries("/dev"), ["null"]);
    assert.deepEqual(f.entries("/"), ["bin", "dev", "proc", "sys", "tmp", "mnt", "root", "var", "usr", "etc"]);
    assert.equal(f.readText("/etc/passwd"), "root:x:0:0:image:/root:/bin/sh\n");
  });

  test("pivot without claim-root fails: the parent is not a mount point", () => {
    const f = makeHost();
    assert.throws(() => run(state(f), [{ op: "pivot" }]),
                  { message: "can't move /var/tmp over /", strerror: "Invalid argument" });
  });

  test("pivot with only the parent claimed fails in pivot_root(2)", () => {
    const f = makeHost();
    f.mount("/var/tmp", "/var/tmp", null, C.MS_BIND | C.MS_REC, null);
    const e = failureOf(() => run(state(f), [{ op: "pivot" }]));
    assert.equal(printed(e), "can't pivot_root(2): Invalid argument");
  });
});

describe("joining a container's namespaces (--join-pid, --join losers)", () => {
  test("setns(2) refused: ch-run's words, its apostrophe included, then the hint", () => {
    const f = new FakeSys();
    f.addFile("/proc/42/ns/user", "");
    f.addFile("/proc/42/ns/mnt", "");
    f.inject({ call: "setns", code: "EPERM" });
    const e = failureOf(() => joinNamespaces(f, 42));
    assert.equal(e.message, "can\u2019t join user namespace of pid 42");
    assert.match(printed(e), /^can’t join user namespace of pid 42: Operation not permitted \(hint: /);
  });
});
