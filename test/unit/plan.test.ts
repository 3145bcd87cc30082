// buildPlan(): options + image + host facts → the plan's steps and hooks,
// checked against ch_core.c's containerize()/mounts_setup() order and
// passwd_setup() content (doc/container.md §4).

import { describe, test } from "node:test";
import * as assert from "node:assert/strict";

import { defaultOptions, Options } from "../../src/cli/options.js";
import { Image } from "../../src/image/image.js";
import { buildPlan, HostFacts } from "../../src/plan/build.js";
import { NameLookups } from "../../src/names/names.js";
import { renderFile } from "../../src/plan/files.js";
import { FileBind, Plan, Step } from "../../src/plan/plan.js";
import { EnvDelta } from "../../src/env/container.js";
import { getenvOf } from "../lib/environ.ts";

const USERS: NativePasswd[] = [
  { name: "root", uid: 0, gid: 0, gecos: "root", dir: "/root", shell: "/bin/bash" },
  { name: "nobody", uid: 65534, gid: 65534, gecos: "nobody", dir: "/nonexistent", shell: "/usr/sbin/nologin" },
  { name: "alice", uid: 1000, gid: 1000, gecos: "Alice Liddell,,,", dir: "/u/alice", shell: "/bin/zsh" },
];
const GROUPS: NativeGroup[] = [
  { name: "root", gid: 0 },
  { name: "nogroup", gid: 65534 },
  { name: "wonderland", gid: 1000 },
];

const HOST_ENV = ["PATH=/usr/bin:/bin", "HOME=/u/alice", "USER=alice"];

function hostFacts(over: Partial<HostFacts> = {}): HostFacts {
  const h: HostFacts = {
    euid: 1000,
    egid: 1000,
    user: "alice",
    hostTmp: "/tmp",
    environ: HOST_ENV.slice(),
    getenv: getenvOf(HOST_ENV),
    ppid: 1,
    squashMount: "/var/tmp/alice.ch/mnt",
    sigpipe: "default",
  };
  return Object.assign(h, over);
}

/** The host's NSS, as renderFile() asks it; records what was asked. */
function hostNames(): NameLookups & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    getpwuid: (uid) => { asked.push("passwd " + uid); return USERS.filter((u) => u.uid === uid)[0] || null; },
    getgrgid: (gid) => { asked.push("group " + gid); return GROUPS.filter((g) => g.gid === gid)[0] || null; },
  };
}

const DIR_IMAGE: Image = { kind: "directory", ref: "./img", path: "/var/tmp/img" };
const SQUASH_IMAGE: Image = { kind: "squash", ref: "img.sqfs", path: "/data/img.sqfs" };

function options(change: (o: Options) => void = () => {}): Options {
  const env: { [k: string]: string } = { USER: "alice", HOME: "/u/alice" };
  const o = defaultOptions((n) => env[n]);
  o.image = "./img";
  o.command = ["/bin/true", "arg"];
  change(o);
  return o;
}

/** The 15 default binds in ch_core.c's order, with their flags. */
const DEFAULT_BIND_STEPS: Step[] = [
  ["/dev", false], ["/proc", false], ["/sys", false],
  ["/etc/hosts", true], ["/etc/machine-id", true], ["/etc/resolv.conf", true],
  ["/var/lib/hugetlbfs", true],
  ["/etc/opt/cray/wlm_detect", true], ["/opt/cray/wlm_detect", true], ["/opt/cray/alps", true],
  ["/opt/cray/udreg", true], ["/opt/cray/ugni", true], ["/opt/cray/xpmem", true], ["/var/opt/cray/alps", true],
  ["/var/spool/slurmd", true],
].map(([p, optional]) => ({
  op: "bind", src: p as string, dst: p as string, why: "default",
  flags: optional ? ["src-optional", "dst-optional"] : [], mountFlags: ["MS_RDONLY"],
} as Step));

function fileSteps(uid: number, gid: number): Step[] {
  return [{ op: "files", files: [
    { dst: "/etc/passwd", content: { kind: "passwd", uid, gid }, tmpName: "ch-run_passwd" },
    { dst: "/etc/group", content: { kind: "group", gid }, tmpName: "ch-run_group" },
  ] }];
}

/** The files of the plan's files steps. */
function filesOf(p: Plan): FileBind[] {
  return ([] as FileBind[]).concat(...stepsOf(p, "files").map((s) => s.files));
}

const TMP_BIND: Step = { op: "bind", src: "/tmp", dst: "/tmp", flags: [], mountFlags: [], why: "host /tmp" };
const TAIL: Step[] = [{ op: "hooks", list: "host" }, { op: "pivot" }, { op: "hooks", list: "guest" }];

function ops(p: Plan): string[] {
  return p.steps.map((s) => s.op);
}

function stepsOf<K extends Step["op"]>(p: Plan, op: K): Array<Extract<Step, { op: K }>> {
  return p.steps.filter((s) => s.op === op) as Array<Extract<Step, { op: K }>>;
}

/** The content the plan's file step for dst writes, given the host's NSS. */
function file(p: Plan, dst: string): string {
  const f = filesOf(p).filter((s) => s.dst === dst);
  assert.equal(f.length, 1, "file steps for " + dst);
  return renderFile(f[0].content, hostNames());
}

describe("buildPlan defaults", () => {
  const host = hostFacts();
  const plan = buildPlan(options(), DIR_IMAGE, host);

  test("the whole step list, in ch_core.c's order", () => {
    const expected: Step[] = ([
      { op: "userns", map: { uidOut: 1000, uidIn: 0, gidOut: 1000, gidIn: 0 }, mountns: false },
      { op: "userns", map: { uidOut: 0, uidIn: 1000, gidOut: 0, gidIn: 1000 }, mountns: true },
      { op: "claim-root" },
      { op: "remount-ro" },
    ] as Step[]).concat(DEFAULT_BIND_STEPS, fileSteps(1000, 1000), [TMP_BIND], TAIL);
    assert.deepEqual(plan.steps, expected);
  });

  test("newroot, command and environment", () => {
    assert.equal(plan.newroot, "/var/tmp/img");
    assert.deepEqual(plan.command, { argv: ["/bin/true", "arg"], cwd: undefined, sigpipe: "default" });
    assert.deepEqual(plan.environ, HOST_ENV);
    assert.equal(plan.joinPid, undefined);
  });

  test("hooks: HOME defaults (/root, else /), CH_RUNNING; nothing for host or all", () => {
    assert.deepEqual(plan.hooks, {
      host: [],
      guest: [
        { name: "env-defaults-first", action: { op: "env-defaults-first", home: ["/root", "/"] } },
        { name: "env-defaults-last", action: { op: "env-defaults-last" } },
      ],
      all: [],
    });
  });

  test("passwd/group: the host's NSS entries for the container IDs, asked for only when written", () => {
    const names = hostNames();
    assert.equal(renderFile(filesOf(plan)[0].content, names),
                 "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
                 + "alice:x:1000:1000:Alice Liddell,,,:/:/bin/sh\n");
    assert.equal(renderFile(filesOf(plan)[1].content, names), "root:x:0:\nnogroup:x:65534:\nwonderland:x:1000:\n");
    assert.deepEqual(names.asked, ["passwd 1000", "group 1000"]);
  });
});

describe("buildPlan /etc/passwd and /etc/group", () => {
  test("uid 0 / gid 0: no separate root line; root's entry last with / and /bin/sh", () => {
    const p = buildPlan(options((o) => { o.uid = 0; o.gid = 0; }), DIR_IMAGE, hostFacts());
    assert.equal(file(p, "/etc/passwd"),
                 "nobody:x:65534:65534:nobody:/:/bin/false\nroot:x:0:0:root:/:/bin/sh\n");
    assert.equal(file(p, "/etc/group"), "nogroup:x:65534:\nroot:x:0:\n");
  });

  test("uid 65534: no separate nobody line", () => {
    const p = buildPlan(options((o) => { o.uid = 65534; o.gid = 65534; }), DIR_IMAGE, hostFacts());
    assert.equal(file(p, "/etc/passwd"),
                 "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n");
    assert.equal(file(p, "/etc/group"), "root:x:0:\nnogroup:x:65534:\n");
  });

  test("unknown uid/gid: dummy charlie / charliegroup", () => {
    const p = buildPlan(options((o) => { o.uid = 4321; o.gid = 8765; }), DIR_IMAGE, hostFacts());
    assert.equal(file(p, "/etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"
      + "nobody:x:65534:65534:nobody:/:/bin/false\ncharlie:x:4321:8765:Charlie:/:/bin/sh\n");
    assert.equal(file(p, "/etc/group"), "root:x:0:\nnogroup:x:65534:\ncharliegroup:x:8765:\n");
  });

  test("the passwd line carries the container gid, not the user's own", () => {
    const p = buildPlan(options((o) => { o.gid = 0; }), DIR_IMAGE, hostFacts());
    assert.match(file(p, "/etc/passwd"), /\nalice:x:1000:0:Alice Liddell,,,:\/:\/bin\/sh\n$/);
    assert.equal(file(p, "/etc/group"), "nogroup:x:65534:\nroot:x:0:\n");
  });

  test("$TMPDIR is the container /tmp; the passwd and group files are not made there", () => {
    const p = buildPlan(options(), DIR_IMAGE, hostFacts({ hostTmp: "/scratch/t" }));
    assert.deepEqual(filesOf(p).map((s) => s.tmpName), ["ch-run_passwd", "ch-run_group"]);
    assert.deepEqual(stepsOf(p, "bind").filter((s) => s.dst === "/tmp"),
                     [{ op: "bind", src: "/scratch/t", dst: "/tmp", flags: [], mountFlags: [], why: "host /tmp" }]);
  });

  test("--no-passwd: no file steps", () => {
    const p = buildPlan(options((o) => { o.noPasswd = true; }), DIR_IMAGE, hostFacts());
    assert.equal(stepsOf(p, "files").length, 0);
    assert.deepEqual(p.steps.slice(4 + 15), ([TMP_BIND] as Step[]).concat(TAIL));
  });
});

describe("buildPlan options", () => {
  test("-w: no remount", () => {
    const p = buildPlan(options((o) => { o.writable = true; }), DIR_IMAGE, hostFacts());
    assert.deepEqual(ops(p).slice(0, 4), ["userns", "userns", "claim-root", "bind"]);
    assert.equal(stepsOf(p, "remount-ro").length, 0);
  });

  test("-W: write-fake (12%) after remount-ro, before the binds", () => {
    const p = buildPlan(options((o) => { o.writeFake = "12%"; }), DIR_IMAGE, hostFacts());
    assert.deepEqual(p.steps.slice(2, 5), [{ op: "claim-root" }, { op: "remount-ro" }, { op: "write-fake", size: "12%" }]);
    assert.deepEqual(p.steps[5], DEFAULT_BIND_STEPS[0]);
  });

  test("-W1g: the size given", () => {
    const p = buildPlan(options((o) => { o.writeFake = "1g"; }), DIR_IMAGE, hostFacts());
    assert.deepEqual(stepsOf(p, "write-fake"), [{ op: "write-fake", size: "1g" }]);
  });

  test("-w -W: overlay without remount", () => {
    const p = buildPlan(options((o) => { o.writable = true; o.writeFake = "1m"; }), DIR_IMAGE, hostFacts());
    assert.deepEqual(ops(p).slice(2, 5), ["claim-root", "write-fake", "bind"]);
  });

  test("--home: $HOME at /home/$USER with dst-create after /tmp; HOME hook is /home/$USER", () => {
    const p = buildPlan(options((o) => { o.hostHome = "/u/alice"; o.writeFake = "12%"; }), DIR_IMAGE, hostFacts());
    const binds = stepsOf(p, "bind");
    assert.deepEqual(binds.slice(15), [
      TMP_BIND,
      { op: "bind", src: "/u/alice", dst: "/home/alice", flags: ["dst-create"], mountFlags: [], why: "--home" },
    ]);
    assert.deepEqual(p.steps.slice(-3), TAIL);
    assert.deepEqual(p.hooks.guest[0],
                     { name: "env-defaults-first", action: { op: "env-defaults-first", home: ["/home/alice"] } });
  });

  test("-t: tmpfs at /tmp instead of the host /tmp bind", () => {
    const p = buildPlan(options((o) => { o.privateTmp = true; }), DIR_IMAGE, hostFacts());
    assert.deepEqual(p.steps.slice(-4), ([{ op: "tmpfs", dst: "/tmp" }] as Step[]).concat(TAIL));
    assert.equal(stepsOf(p, "bind").filter((s) => s.dst === "/tmp").length, 0);
  });

  test("user binds in order, after /tmp and --home, with dst-create", () => {
    const p = buildPlan(options((o) => {
      o.hostHome = "/u/alice";
      o.writeFake = "12%";
      o.binds = [{ src: "/data", dst: "/mnt/0" }, { src: "rel/dir", dst: "/x/y" }, { src: "/data", dst: "/mnt/1" }];
    }), DIR_IMAGE, hostFacts());
    assert.deepEqual(stepsOf(p, "bind").slice(16).map((s) => [s.src, s.dst, s.flags, s.mountFlags, s.why]), [
      ["/u/alice", "/home/alice", ["dst-create"], [], "--home"],
      ["/data", "/mnt/0", ["dst-create"], [], "--bind"],
      ["rel/dir", "/x/y", ["dst-create"], [], "--bind"],
      ["/data", "/mnt/1", ["dst-create"], [], "--bind"],
    ]);
    assert.deepEqual(ops(p).slice(-4), ["bind", "hooks", "pivot", "hooks"]);
  });

  test("-u/-g: inner map only; outer stays euid/egid → 0", () => {
    const p = buildPlan(options((o) => { o.uid = 1234; o.gid = 5678; }), DIR_IMAGE,
                        hostFacts({ euid: 1500, egid: 1600 }));
    assert.deepEqual(stepsOf(p, "userns").map((s) => s.map), [
      { uidOut: 1500, uidIn: 0, gidOut: 1600, gidIn: 0 },
      { uidOut: 0, uidIn: 1234, gidOut: 0, gidIn: 5678 },
    ]);
  });

  test("no -u/-g: container IDs are euid/egid", () => {
    const p = buildPlan(options(), DIR_IMAGE, hostFacts({ euid: 1500, egid: 1600 }));
    assert.deepEqual(stepsOf(p, "userns")[1].map, { uidOut: 0, uidIn: 1500, gidOut: 0, gidIn: 1600 });
    assert.match(file(p, "/etc/passwd"), /\ncharlie:x:1500:1600:Charlie:/);
  });

  test("--set-env/--unset-env: hooks in command-line order between the defaults", () => {
    const deltas: EnvDelta[] = [
      { kind: "set", source: "A=1", vars: ["A=1"] },
      { kind: "unset", glob: "SLURM*" },
      { kind: "set-image-file", path: "/ch/environment", delimiter: "\n" },
      { kind: "set", source: "B=$A", vars: ["B=$A"] },
    ];
    const p = buildPlan(options((o) => { o.envDeltas = deltas; }), DIR_IMAGE, hostFacts());
    assert.deepEqual(p.hooks.guest.map((h) => h.name),
                     ["env-defaults-first", "env-set", "env-unset", "env-set-gfile", "env-set", "env-defaults-last"]);
    assert.deepEqual(p.hooks.guest.slice(1, 5).map((h) => h.action),
                     deltas.map((d) => ({ op: "env-delta", delta: d, expand: true })));
    const q = buildPlan(options((o) => { o.envDeltas = deltas; o.envNoExpand = true; }), DIR_IMAGE, hostFacts());
    assert.deepEqual(q.hooks.guest.slice(1, 5).map((h) => (h.action as { expand: boolean }).expand),
                     [false, false, false, false]);
  });

  test("--seccomp: one hook on the all list", () => {
    const p = buildPlan(options((o) => { o.seccomp = true; }), DIR_IMAGE, hostFacts());
    assert.deepEqual(p.hooks.all, [{ name: "seccomp", action: { op: "seccomp" } }]);
  });

  test("--cd: the command's working directory", () => {
    const p = buildPlan(options((o) => { o.cd = "/work"; }), DIR_IMAGE, hostFacts());
    assert.deepEqual(p.command, { argv: ["/bin/true", "arg"], cwd: "/work", sigpipe: "default" });
  });

  test("the command gets SIGPIPE's disposition as skiff inherited it", () => {
    const p = buildPlan(options(), DIR_IMAGE, hostFacts({ sigpipe: "ignore" }));
    assert.equal(p.command.sigpipe, "ignore");
  });
});

describe("buildPlan SquashFS", () => {
  test("mount point checked first, squash-mount between the two userns steps; newroot is the default mount point", () => {
    const p = buildPlan(options(), SQUASH_IMAGE, hostFacts());
    assert.deepEqual(p.steps.slice(0, 5), [
      { op: "mountpoint", path: "/var/tmp/alice.ch/mnt", create: true },
      { op: "userns", map: { uidOut: 1000, uidIn: 0, gidOut: 1000, gidIn: 0 }, mountns: true },
      { op: "squash-mount", image: "/data/img.sqfs", mountpoint: "/var/tmp/alice.ch/mnt" },
      { op: "userns", map: { uidOut: 0, uidIn: 1000, gidOut: 0, gidIn: 1000 }, mountns: true },
      { op: "claim-root" },
    ]);
    assert.equal(p.newroot, "/var/tmp/alice.ch/mnt");
  });

  test("-m DIR: that mount point (main.ts canonicalizes it), not created", () => {
    const p = buildPlan(options((o) => { o.mount = "mnt/../mnt/sq"; }), SQUASH_IMAGE,
                        hostFacts({ squashMount: "/mnt/sq" }));
    assert.deepEqual(stepsOf(p, "mountpoint"), [{ op: "mountpoint", path: "/mnt/sq", create: false }]);
    assert.deepEqual(stepsOf(p, "squash-mount"), [{ op: "squash-mount", image: "/data/img.sqfs", mountpoint: "/mnt/sq" }]);
    assert.equal(p.newroot, "/mnt/sq");
  });

  test("a directory image has no squash-mount step, even with -m", () => {
    const p = buildPlan(options((o) => { o.mount = "/mnt/sq"; }), DIR_IMAGE, hostFacts({ squashMount: "/mnt/sq" }));
    assert.equal(stepsOf(p, "squash-mount").length + stepsOf(p, "mountpoint").length, 0);
    assert.equal(p.newroot, "/var/tmp/img");
  });
});
