// CDI (src/cdi/, src/exec/merge.ts) against FakeSys: spec files checked as
// the CDI specification says, with errors naming file and field; the
// priority rules; the plan's CDI steps and hooks; and the seed's
// bind_merge() as the executor performs it.

import { describe, test } from "node:test";
import * as assert from "node:assert/strict";

import { MACHINE_CONSTANTS as C } from "../lib/constants.ts";
import { FakeSys, msFlagNames } from "../lib/fakesys.ts";
import { failureOf } from "../lib/failure.ts";
import { getenvOf } from "../lib/environ.ts";
import { planCdi } from "../../src/cdi/unit.ts";
import * as cdiplan from "../../src/cdiplan/unit.ts";
import { Image } from "../../src/image/image.ts";
import { parseYaml } from "../../src/yaml/unit.ts";
import { writeEntry, writeFile } from "../../src/cdi/cache.ts";
import { CdiRequest } from "../../src/cli/cdi.ts";
import { defaultOptions } from "../../src/cli/options.ts";
import { newState, runStep } from "../../src/executor/executor.ts";
import { configure, setVerbosity } from "../../src/log/log.ts";
import { buildPlan } from "../../src/plan/build.ts";
import { CdiPlan, Plan, Step } from "../../src/plan/plan.ts";

const logged: string[] = [];
configure({ prog: "skiff", pid: () => 1, write: (l) => { logged.push(l); }, color: false }, null);

/** A spec as nvidia-ctk cdi generate writes it (YAML), for a fake driver. */
const NVIDIA_YAML = `---
cdiVersion: 0.5.0
kind: example.com/gpu
devices:
- name: "0"
  containerEdits:
    deviceNodes:
    - path: /dev/fakegpu0
      hostPath: /dev/full
- name: all
  containerEdits:
    deviceNodes:
    - path: /dev/fakegpu0
      hostPath: /dev/full
containerEdits:
  env:
  - FAKE_VISIBLE_DEVICES=void
  mounts:
  - hostPath: /drv/lib/libfakecuda.so.1.2.3
    containerPath: /usr/lib/fakecuda/libfakecuda.so.1.2.3
    options: [ro, nosuid, nodev, bind]
  - hostPath: /drv/lib/libfakeml.so.1.2.3
    containerPath: /usr/lib/fakecuda/libfakeml.so.1.2.3
    options: [ro, nosuid, nodev, bind]
  - hostPath: /drv/bin/fake-smi
    containerPath: /usr/bin/fake-smi
    options: [ro, nosuid, nodev, bind]
  - hostPath: /drv/share
    containerPath: /usr/share/fake
    options: [ro, rbind]
  hooks:
  - hookName: createContainer
    path: /usr/bin/nvidia-cdi-hook
    args: [nvidia-cdi-hook, create-symlinks, --link, libfakecuda.so.1::/usr/lib/fakecuda/libfakecuda.so]
  - hookName: createContainer
    path: /usr/bin/nvidia-ctk
    args: [nvidia-ctk, hook, update-ldcache, --folder, /usr/lib/fakecuda]
  - hookName: createContainer
    path: /usr/bin/nvidia-cdi-hook
    args: [nvidia-cdi-hook, chmod, --mode, "755", --path, /dev/dri]
`;

function host(): FakeSys {
  const f = new FakeSys();
  f.addFile("/drv/lib/libfakecuda.so.1.2.3", "ELF");
  f.addLink("/drv/lib/libfakecuda.so.1", "libfakecuda.so.1.2.3");
  f.addFile("/drv/lib/libfakeml.so.1.2.3", "ELF");
  f.addFile("/drv/bin/fake-smi", "ELF");
  f.addFile("/drv/share/data", "D");
  f.addFile("/dev/full", "");
  f.addFile("/etc/cdi/fake.yaml", NVIDIA_YAML);
  return f;
}

const IMAGE: Image = { kind: "directory", ref: "/img", path: "/img" };

/** env: the environment (no $HOME: no cache). */
function plan(f: FakeSys, requests: CdiRequest[], dirs = ["/etc/cdi", "/var/run/cdi"], env: string[] = []): CdiPlan {
  logged.length = 0;
  return planCdi(f, requests, dirs, { image: IMAGE, getenv: getenvOf(env), euid: f.uid, yaml: () => parseYaml,
                                   dryRun: false, planner: () => cdiplan });
}

const ALL: CdiRequest[] = [{ what: "all", envAt: 0 }];

/** The message a spec file's content fails with. */
function specError(content: string, name = "/etc/cdi/x.yaml"): string {
  const f = new FakeSys();
  f.addFile(name, content);
  return failureOf(() => plan(f, [{ what: "file", path: name, envAt: 0 }])).message;
}

const MINIMAL = { cdiVersion: "0.3.0", kind: "a.com/b", devices: [{ name: "d", containerEdits: {} }] };

function withEdits(edits: unknown, version = "1.1.0"): string {
  return JSON.stringify({ cdiVersion: version, kind: "a.com/b", devices: [{ name: "d", containerEdits: edits }] });
}

describe("CDI spec files: checked as the specification says", () => {
  test("YAML as nvidia-ctk writes it, and the same in JSON, give the same plan", () => {
    const f = host();
    const fromYaml = plan(f, ALL);
    const g = host();
    const yamlAsJson = JSON.stringify({
      cdiVersion: "0.5.0", kind: "example.com/gpu",
      devices: [{ name: "0", containerEdits: { deviceNodes: [{ path: "/dev/fakegpu0", hostPath: "/dev/full" }] } },
                { name: "all", containerEdits: { deviceNodes: [{ path: "/dev/fakegpu0", hostPath: "/dev/full" }] } }],
      containerEdits: {
        env: ["FAKE_VISIBLE_DEVICES=void"],
        mounts: [
          { hostPath: "/drv/lib/libfakecuda.so.1.2.3", containerPath: "/usr/lib/fakecuda/libfakecuda.so.1.2.3",
            options: ["ro", "nosuid", "nodev", "bind"] },
          { hostPath: "/drv/lib/libfakeml.so.1.2.3", containerPath: "/usr/lib/fakecuda/libfakeml.so.1.2.3",
            options: ["ro", "nosuid", "nodev", "bind"] },
          { hostPath: "/drv/bin/fake-smi", containerPath: "/usr/bin/fake-smi", options: ["ro", "nosuid", "nodev", "bind"] },
          { hostPath: "/drv/share", containerPath: "/usr/share/fake", options: ["ro", "rbind"] },
        ],
        hooks: [
          { hookName: "createContainer", path: "/usr/bin/nvidia-cdi-hook",
            args: ["nvidia-cdi-hook", "create-symlinks", "--link", "libfakecuda.so.1::/usr/lib/fakecuda/libfakecuda.so"] },
          { hookName: "createContainer", path: "/usr/bin/nvidia-ctk",
            args: ["nvidia-ctk", "hook", "update-ldcache", "--folder", "/usr/lib/fakecuda"] },
          { hookName: "createContainer", path: "/usr/bin/nvidia-cdi-hook",
            args: ["nvidia-cdi-hook", "chmod", "--mode", "755", "--path", "/dev/dri"] },
        ],
      },
    });
    g.unlink("/etc/cdi/fake.yaml");
    g.addFile("/etc/cdi/fake.json", yamlAsJson);
    const fromJson = plan(g, ALL);
    assert.deepEqual(JSON.parse(JSON.stringify(fromJson).replace(/fake\.json/g, "fake.yaml")), fromYaml);
  });

  test("unknown fields, at any depth, named with their path", () => {
    assert.equal(specError(JSON.stringify(Object.assign({ extra: 1 }, MINIMAL))),
                 "/etc/cdi/x.yaml: unknown field \"extra\"");
    assert.equal(specError(withEdits({ mounts: [{ hostPath: "/a", containerPath: "/b" },
                                                { hostPath: "/a", containerPath: "/b", hostpath: "/c" }] })),
                 "/etc/cdi/x.yaml: devices[0].containerEdits.mounts[1]: unknown field \"hostpath\"");
  });

  test("missing and mistyped fields, named with their path", () => {
    assert.equal(specError(withEdits({ mounts: [{ containerPath: "/b" }] })),
                 "/etc/cdi/x.yaml: devices[0].containerEdits.mounts[0]: hostPath missing");
    assert.equal(specError(withEdits({ env: ["A=1", 2] })),
                 "/etc/cdi/x.yaml: devices[0].containerEdits.env[1]: must be a string, not a number");
    assert.equal(specError(withEdits({ env: ["NOVALUE"] })),
                 "/etc/cdi/x.yaml: devices[0].containerEdits.env[0]: must be NAME=VALUE, not \"NOVALUE\"");
    assert.equal(specError(withEdits({ mounts: [{ hostPath: "/a", containerPath: "rel" }] })),
                 "/etc/cdi/x.yaml: devices[0].containerEdits.mounts[0].containerPath: must be absolute: rel");
    assert.equal(specError(JSON.stringify({ cdiVersion: "0.3.0", kind: "a.com/b" })), "/etc/cdi/x.yaml: devices missing");
    assert.equal(specError(JSON.stringify({ cdiVersion: "0.3.0", kind: "a.com/b", devices: [] })),
                 "/etc/cdi/x.yaml: devices: must list at least one device");
    assert.equal(specError("- a\n- b\n"), "/etc/cdi/x.yaml: must be a mapping, not a list");
  });

  test("cdiVersion: 0.3.0 to 1.1.x, and at least what the fields used need", () => {
    for (const v of ["0.3.0", "0.8.0", "1.0.0", "1.1.0", "1.1.7", "v0.6.0"])
      assert.doesNotThrow(() => plan((() => { const f = new FakeSys(); f.addFile("/s.json", JSON.stringify(
        Object.assign({}, MINIMAL, { cdiVersion: v }))); return f; })(), [{ what: "file", path: "/s.json", envAt: 0 }]), v);
    for (const v of ["0.2.0", "1.2.0", "2.0.0", "1.1", "latest"])
      assert.equal(specError(JSON.stringify(Object.assign({}, MINIMAL, { cdiVersion: v }))),
                   `/etc/cdi/x.yaml: cdiVersion: unsupported version ${JSON.stringify(v)} (skiff reads 0.3.0 to 1.1.x)`);
    assert.equal(specError(withEdits({ deviceNodes: [{ path: "/dev/a", hostPath: "/dev/b" }] }, "0.4.0")),
                 "/etc/cdi/x.yaml: devices[0].containerEdits.deviceNodes[0].hostPath: needs cdiVersion 0.5.0 or later; "
                 + "the file says 0.4.0");
    assert.equal(specError(withEdits({ netDevices: [{ hostInterfaceName: "eth0", name: "eth1" }] }, "1.0.0")),
                 "/etc/cdi/x.yaml: devices[0].containerEdits.netDevices: needs cdiVersion 1.1.0 or later; the file says 1.0.0");
  });

  test("kind syntax, device names, duplicates", () => {
    assert.match(specError(JSON.stringify(Object.assign({}, MINIMAL, { kind: "nokind" }))),
                 /^\/etc\/cdi\/x\.yaml: kind: invalid kind "nokind": /);
    assert.match(specError(JSON.stringify(Object.assign({}, MINIMAL, { devices: [{ name: "-x" }] }))),
                 /^\/etc\/cdi\/x\.yaml: devices\[0\]\.name: invalid device name "-x"/);
    assert.equal(specError(JSON.stringify(Object.assign({}, MINIMAL, { devices: [{ name: "a" }, { name: "a" }] }))),
                 "/etc/cdi/x.yaml: devices[1].name: duplicate device name \"a\"");
  });

  test("YAML syntax errors name the file and line; JSON ones the file", () => {
    assert.match(specError("cdiVersion: 0.3.0\nkind: [a\n"), /^\/etc\/cdi\/x\.yaml: line \d+, column \d+: /);
    assert.match(specError("{\"cdiVersion\": ", "/etc/cdi/x.json"), /^\/etc\/cdi\/x\.json: /);
    assert.match(specError("a: 1\na: 2\n"), /^\/etc\/cdi\/x\.yaml: line 2, column \d+: duplicated mapping key/);
  });

  test("every error carries a hint and exits 31", () => {
    const f = new FakeSys();
    f.addFile("/x.yaml", "{}");
    const e = failureOf(() => plan(f, [{ what: "file", path: "/x.yaml", envAt: 0 }]));
    assert.equal(e.exitCode, 31);
    assert.ok(e.hint);
  });
});

function spec(kind: string, names: string[], env: string): string {
  return JSON.stringify({ cdiVersion: "0.5.0", kind: kind,
                          devices: names.map((n) => ({ name: n, containerEdits: { env: [env + "=" + n] } })) });
}

function envOf(p: CdiPlan): string[] {
  return p.env.map((e) => e.delta.kind === "set" ? e.delta.source + ": " + e.delta.vars.join(" ")
                                                 : "?");
}

describe("CDI spec directories: priority rules", () => {
  test("a device in files of two directories comes from the later directory, said at -v", () => {
    const f = new FakeSys();
    f.addFile("/etc/cdi/gpu.json", spec("a.com/gpu", ["0", "1"], "OLD"));
    f.addFile("/var/run/cdi/gpu.yaml", spec("a.com/gpu", ["1", "2"], "NEW"));
    setVerbosity(1);
    const p = plan(f, [{ what: "kind", kind: "a.com/gpu", envAt: 0 }]);
    setVerbosity(0);
    assert.deepEqual(envOf(p), ["CDI /etc/cdi/gpu.json: OLD=0", "CDI /var/run/cdi/gpu.yaml: NEW=1 NEW=2"]);
    assert.ok(logged.some((l) => l.includes("device a.com/gpu=1: /var/run/cdi/gpu.yaml overrides /etc/cdi/gpu.json "
                                            + "(later directory wins)")), logged.join(""));
  });

  test("the same device twice in one directory is a conflict", () => {
    const f = new FakeSys();
    f.addFile("/etc/cdi/a.json", spec("a.com/gpu", ["0"], "A"));
    f.addFile("/etc/cdi/b.json", spec("a.com/gpu", ["0"], "B"));
    assert.equal(failureOf(() => plan(f, [{ what: "kind", kind: "a.com/gpu", envAt: 0 }])).message,
                 "CDI: conflicting device a.com/gpu=0 (specs /etc/cdi/a.json, /etc/cdi/b.json)");
  });

  test("no spec for a kind, no spec at all: errors naming the directories, with the admin's command", () => {
    const f = new FakeSys();
    f.addFile("/etc/cdi/a.json", spec("a.com/gpu", ["0"], "A"));
    const e = failureOf(() => plan(f, [{ what: "kind", kind: "b.com/gpu", envAt: 0 }]));
    assert.equal(e.message, "CDI: no spec for kind b.com/gpu in /etc/cdi:/var/run/cdi");
    assert.match(e.hint as string, /nvidia-ctk cdi generate/);
    assert.equal(failureOf(() => plan(new FakeSys(), ALL)).message, "CDI: no spec files in /etc/cdi:/var/run/cdi");
  });

  test("a broken file stops a request for its kind (or for all), not for another kind", () => {
    const f = new FakeSys();
    f.addFile("/etc/cdi/a.json", spec("a.com/gpu", ["0"], "A"));
    f.addFile("/etc/cdi/b.json", JSON.stringify({ cdiVersion: "9.9.9", kind: "b.com/gpu", devices: [{ name: "x" }] }));
    assert.deepEqual(envOf(plan(f, [{ what: "kind", kind: "a.com/gpu", envAt: 0 }])), ["CDI /etc/cdi/a.json: A=0"]);
    assert.match(failureOf(() => plan(f, [{ what: "kind", kind: "b.com/gpu", envAt: 0 }])).message, /^\/etc\/cdi\/b\.json: cdiVersion/);
    assert.match(failureOf(() => plan(f, ALL)).message, /^\/etc\/cdi\/b\.json: cdiVersion/);
    f.addFile("/etc/cdi/c.yaml", "[unclosed");   // kind unknown: may be any
    assert.match(failureOf(() => plan(f, [{ what: "kind", kind: "a.com/gpu", envAt: 0 }])).message, /^\/etc\/cdi\/c\.yaml: /);
  });

  test("only *.json and *.yaml files; a device asked for twice is used once", () => {
    const f = new FakeSys();
    f.addFile("/etc/cdi/a.json", spec("a.com/gpu", ["0"], "A"));
    f.addFile("/etc/cdi/a.yml", "not: [read");
    f.addFile("/etc/cdi/README", "x");
    assert.deepEqual(envOf(plan(f, [{ what: "kind", kind: "a.com/gpu", envAt: 0 }, { what: "all", envAt: 1 }])),
                     ["CDI /etc/cdi/a.json: A=0"]);
  });
});

describe("CDI plan: edits → steps and hooks", () => {
  test("files merged per host directory (links resolved), directories bound, devices, hooks", () => {
    const p = plan(host(), ALL);
    const ro = ["MS_RDONLY", "MS_NOSUID", "MS_NODEV"];
    const at = "/etc/cdi/fake.yaml: containerEdits.mounts";
    assert.deepEqual(p.steps, [
      { op: "mkdir", dst: "/ch/cdi", why: "CDI scratch" },
      { op: "merge-dir", src: "/drv/lib", dst: "/ch/cdi/_drv_lib", mountFlags: ro, why: at + "[0]" },
      { op: "merge-links", links: [
        { dst: "/usr/lib/fakecuda/libfakecuda.so.1.2.3", target: "/ch/cdi/_drv_lib/libfakecuda.so.1.2.3", why: at + "[0]" },
        { dst: "/usr/lib/fakecuda/libfakeml.so.1.2.3", target: "/ch/cdi/_drv_lib/libfakeml.so.1.2.3", why: at + "[1]" },
      ] },
      { op: "merge-dir", src: "/drv/bin", dst: "/ch/cdi/_drv_bin", mountFlags: ro, why: at + "[2]" },
      { op: "merge-links", links: [{ dst: "/usr/bin/fake-smi", target: "/ch/cdi/_drv_bin/fake-smi", why: at + "[2]" }] },
      { op: "bind", src: "/drv/share", dst: "/usr/share/fake", flags: ["dst-create"], mountFlags: ["MS_RDONLY"],
        why: at + "[3]" },
      { op: "device", src: "/dev/full", dst: "/dev/fakegpu0", why: "/etc/cdi/fake.yaml: devices[0].containerEdits.deviceNodes[0]" },
    ]);
    assert.deepEqual(p.links, [{ target: "libfakecuda.so.1", link: "/usr/lib/fakecuda/libfakecuda.so" }]);
    assert.deepEqual(p.ldcache, { folders: ["/usr/lib/fakecuda"], cache: "/ch/cdi/ld.so.cache" });
    assert.deepEqual(envOf(p), ["CDI /etc/cdi/fake.yaml: FAKE_VISIBLE_DEVICES=void"]);
  });

  test("a mount whose host file is missing: an error naming file, field and path", () => {
    const f = host();
    f.unlink("/drv/bin/fake-smi");
    const e = failureOf(() => plan(f, ALL));
    assert.equal(e.message, "/etc/cdi/fake.yaml: containerEdits.mounts[2]: hostPath not found on this host: /drv/bin/fake-smi");
    assert.match(e.hint as string, /regenerates/);
  });

  test("warned: missing device nodes, unknown hooks, what needs privilege; chmod ignored at -v", () => {
    const f = new FakeSys();
    f.addFile("/s.json", withEdits({
      deviceNodes: [{ path: "/dev/nope" }],
      hooks: [{ hookName: "createContainer", path: "/usr/bin/vendor-hook", args: ["vendor-hook", "--x"] },
              { hookName: "createContainer", path: "/usr/bin/nvidia-cdi-hook", args: ["nvidia-cdi-hook", "chmod"] }],
      additionalGids: [0, 44], intelRdt: { closID: "x" }, netDevices: [{ hostInterfaceName: "a", name: "b" }],
    }));
    setVerbosity(1);
    plan(f, [{ what: "file", path: "/s.json", envAt: 0 }]);
    setVerbosity(0);
    const text = logged.join("");
    for (const w of ["warning: CDI: device node not found on this host: /dev/nope",
                     "warning: CDI: ignoring unknown hook: vendor-hook --x (/s.json: devices[0].containerEdits.hooks[0])",
                     "ignoring hook chmod",
                     "warning: CDI: ignoring /s.json: devices[0].containerEdits.additionalGids: an unprivileged container",
                     "warning: CDI: ignoring /s.json: devices[0].containerEdits.intelRdt",
                     "warning: CDI: ignoring /s.json: devices[0].containerEdits.netDevices"])
      assert.ok(text.includes(w), w + " in:\n" + text);
  });

  test("mount options said at -v and mount types warned about for every mount, not once per set of options", () => {
    const f = new FakeSys();
    f.addFile("/drv/a", "ELF");
    f.addFile("/drv/b", "ELF");
    f.addFile("/s.json", withEdits({ mounts: [
      { hostPath: "/drv/a", containerPath: "/usr/lib//x/./a", options: ["ro", "zzz"] },
      { hostPath: "/drv/b", containerPath: "/usr/lib/x/b", options: ["ro", "zzz"] },
      { hostPath: "/drv/a", containerPath: "/t/a", type: "tmpfs" },
      { hostPath: "/drv/b", containerPath: "/t/b", type: "tmpfs" },
    ] }));
    setVerbosity(1);
    const p = plan(f, [{ what: "file", path: "/s.json", envAt: 0 }]);
    setVerbosity(0);
    const text = logged.join("");
    for (let i = 0; i < 4; i++)
      assert.ok(text.includes("mounts[" + i + "]: " + (i < 2 ? "ignoring mount option zzz" : "mount type tmpfs")),
                i + " in:\n" + text);
    // containerPath normalised; the same flags for both
    assert.deepEqual(p.steps.flatMap((s) => s.op === "merge-links" ? s.links.map((l) => l.dst) : []),
                     ["/usr/lib/x/a", "/usr/lib/x/b"]);
    assert.deepEqual(p.steps.filter((s) => s.op === "merge-dir").length, 1);
  });

  test("buildPlan: CDI steps after the binds; env in command-line order with --set-env/--unset-env", () => {
    const o = defaultOptions(() => undefined);
    o.command = ["true"];
    o.writeFake = "12%";
    o.binds = [{ src: "/data", dst: "/mnt/0" }];
    o.envDeltas = [{ kind: "set", source: "A=1", vars: ["A=1"] }, { kind: "unset", glob: "B" }];
    const cdi: CdiPlan = {
      steps: [{ op: "mkdir", dst: "/ch/cdi", why: "CDI scratch" }],
      env: [{ at: 1, delta: { kind: "set", source: "CDI x", vars: ["C=$A"] } },
            { at: 2, delta: { kind: "set", source: "CDI y", vars: ["D=4"] } }],
      links: [{ target: "t", link: "/l" }],
      ldcache: { folders: ["/f"], cache: "/ch/cdi/ld.so.cache" },
    };
    const env = ["USER=alice"];
    const p: Plan = buildPlan(o, { kind: "directory", ref: "/img", path: "/img" }, {
      euid: 1000, egid: 1000, user: "alice", hostTmp: "/tmp", environ: env, getenv: getenvOf(env), ppid: 1,
      squashMount: "/m", sigpipe: "default" }, cdi);
    const ops = p.steps.map((s: Step) => s.op === "bind" ? "bind " + s.dst : s.op);
    assert.deepEqual(ops.slice(ops.indexOf("bind /mnt/0")), ["bind /mnt/0", "mkdir", "hooks", "pivot", "hooks"]);
    // the ld cache before pivot, where the user's cache can be reached
    assert.deepEqual(p.hooks.host.map((h) => h.name), ["cdi-create-symlinks", "cdi-update-ldcache"]);
    assert.deepEqual(p.hooks.guest.map((h) => h.name), ["env-defaults-first", "env-set",
                                                         "env-set-cdi", "env-unset", "env-set-cdi", "env-defaults-last"]);
    // a spec's env is set as written: no $ expansion
    assert.deepEqual(p.hooks.guest[2].action, { op: "env-delta", delta: cdi.env[0].delta, expand: false });
  });
});

describe("CDI cache: a launch's plan kept (src/cdi/plancache.ts)", () => {
  /** The fake spec without update-ldcache (whose plan is kept only once
      an executor has kept the ld cache: see the ld test below). */
  const NO_LD = NVIDIA_YAML.replace(/  - hookName: createContainer\n    path: \/usr\/bin\/nvidia-ctk\n.*\n/, "")
    .replace("chmod, --mode", "vendor-thing, --mode");
  const HOME = ["HOME=/home/u"];
  const REQ: CdiRequest[] = [{ what: "file", path: "/etc/cdi/fake.yaml", envAt: 0 }];

  function cached(): FakeSys {
    const f = host();
    f.unlink("/etc/cdi/fake.yaml");
    f.addFile("/etc/cdi/fake.yaml", NO_LD);
    f.addDir("/home/u", { mode: 0o700 });
    f.addFile("/proc/self/exe", "skiff 1");
    return f;
  }
  /** Plan at -v: whether it came from the cache, whether the cdiplan unit
      was asked for, and what was logged. */
  function planV(f: FakeSys, requests = REQ, dryRun = false): { kept: boolean; planner: boolean; plan: CdiPlan; text: string } {
    logged.length = 0;
    setVerbosity(1);
    let planner = false;
    try {
      const p = planCdi(f, requests, ["/etc/cdi"], { image: IMAGE, getenv: getenvOf(HOME), euid: f.uid,
                                                     yaml: () => parseYaml, dryRun,
                                                     planner: () => { planner = true; return cdiplan; } });
      const text = logged.join("");
      return { kept: /CDI cache: plan from \/home\/u\/.cache\/skiff\/cdi\/plan-[0-9a-f]+\.json/.test(text), planner, plan: p, text };
    } finally {
      setVerbosity(0);
    }
  }

  test("a launch like the last takes its plan, reads no spec, and says what planning said, warnings too", () => {
    const f = cached();
    const first = planV(f);
    assert.equal(first.kept, false);
    const reads = f.callsOf("open").length;
    const second = planV(f);
    assert.equal(second.kept, true, second.text);
    assert.deepEqual([first.planner, second.planner], [true, false], "the planning unit loaded on a miss only");
    assert.deepEqual(second.plan, first.plan);
    assert.equal(f.callsOf("open").length - reads, 1, "the kept plan's file only");
    for (const said of ["CDI: using /etc/cdi/fake.yaml: example.com/gpu=0, example.com/gpu=all",
                        "warning: CDI: ignoring unknown hook: nvidia-cdi-hook vendor-thing"])
      assert.ok(second.text.includes(said), said + " in:\n" + second.text);
    assert.equal(planV(f, [{ what: "all", envAt: 0 }]).kept, false, "another request");
    assert.equal(planV(f, [{ what: "all", envAt: 0 }]).kept, true);
    assert.equal(planV(f, [{ what: "all", envAt: 1 }]).kept, false, "its env elsewhere among --set-env");
  });

  test("a change to a spec, a host file, a device node or skiff: planned again", () => {
    const f = cached();
    planV(f);
    assert.equal(planV(f).kept, true);
    const changes: Array<[string, () => void]> = [
      ["the spec rewritten", () => { f.addFile("/etc/cdi/fake.yaml", NO_LD + "\n"); }],
      ["a library replaced", () => { f.addFile("/drv/lib/libfakeml.so.1.2.3", "ELF"); }],
      ["a library changed in place", () => {
        const fd = f.open("/drv/lib/libfakecuda.so.1.2.3", C.O_WRONLY | C.O_APPEND);
        f.write(fd, "x");
        f.close(fd);
      }],
      ["a library now a symlink to another", () => {
        f.unlink("/drv/lib/libfakeml.so.1.2.3");
        f.addLink("/drv/lib/libfakeml.so.1.2.3", "libfakecuda.so.1.2.3");
      }],
      ["a device node gone", () => { f.unlink("/dev/full"); }],
      ["a device node back", () => { f.addFile("/dev/full", ""); }],
      ["another skiff", () => { f.addFile("/proc/self/exe", "skiff 2"); }],
      ["a spec added to the directory (-d)", () => { planV(f, [{ what: "all", envAt: 0 }]); f.addFile("/etc/cdi/y.json", JSON.stringify(MINIMAL)); }],
    ];
    for (const [what, change] of changes) {
      change();
      const r = planV(f, what.endsWith("(-d)") ? [{ what: "all", envAt: 0 }] : REQ);
      if (what.endsWith("(-d)")) {
        assert.equal(r.kept, false, what);
        continue;
      }
      assert.equal(r.kept, false, what);
      assert.equal(planV(f).kept, true, what + ", then unchanged");
    }
  });

  test("with update-ldcache: kept once the ld cache is; a change to the image or its ld cache file plans again", () => {
    const f = cached();
    f.addFile("/etc/cdi/fake.yaml", NVIDIA_YAML);
    f.addDir("/img/etc/ld.so.conf.d");
    /** Plan until kept, keeping the ld cache as the executor does after ldconfig (ldcache.ts's save()). */
    const keep = (): string => {
      const save = planV(f).plan.ldcache?.save;
      assert.ok(save !== undefined, "ldconfig to run");
      assert.equal(planV(f).kept, false, "not kept before the ld cache is");
      writeFile(f, save.dir, save.name, "LDCACHE");
      writeEntry(f, save.dir, save.name + ".json", save.key, { links: [] });
      assert.equal(planV(f).kept, false);
      const kept = planV(f);
      assert.equal(kept.kept, true, kept.text);
      assert.equal(kept.plan.ldcache?.saved?.file, save.dir + "/" + save.name);
      return kept.plan.ldcache?.saved?.file as string;
    };
    const file = keep();
    // as a request over the same specs and image with other folders does
    writeFile(f, file.slice(0, file.lastIndexOf("/")), file.slice(file.lastIndexOf("/") + 1), "ANOTHER");
    assert.equal(planV(f).kept, false, "its ld cache file replaced");
    f.addFile("/img/etc/ld.so.conf.d/x.conf", "/opt/x\n");
    assert.equal(planV(f).kept, false, "the image's ld.so.conf.d");
    f.unlink(keep());
    assert.equal(planV(f).kept, false, "its ld cache file gone");
  });

  test("--dry-run reads a kept plan but keeps none", () => {
    const f = cached();
    assert.equal(planV(f, REQ, true).kept, false);
    assert.equal(planV(f, REQ, true).kept, false, "none kept");
    planV(f);
    assert.equal(planV(f, REQ, true).kept, true);
  });

  test("a regenerated spec's entries replace the old ones (one per spec file, image and request)", () => {
    const f = cached();
    const entries = (): string[] => f.listdir("/home/u/.cache/skiff/cdi").sort();
    planV(f);
    const names = entries();
    assert.deepEqual(names.map((n) => n.replace(/-[0-9a-f]+\.json$/, "")), ["plan", "spec"]);
    for (let i = 0; i < 3; i++) {
      f.addFile("/etc/cdi/new", NO_LD.replace("=void", "=v" + i));
      f.rename("/etc/cdi/new", "/etc/cdi/fake.yaml");
      assert.equal(planV(f).kept, false);
      assert.deepEqual(entries(), names);
    }
  });
});

describe("CDI execution (FakeSys): the seed's bind_merge()", () => {
  const NR = "/srv/merged";
  function image(): FakeSys {
    const f = host();
    f.addDir(NR + "/usr/bin");
    f.addFile(NR + "/usr/bin/fake-smi", "old");
    f.addDir(NR + "/dev");
    return f;
  }
  const EMPTY: Plan = { newroot: NR, steps: [], hooks: { host: [], guest: [], all: [] },
                        command: { argv: ["true"], sigpipe: "default" }, environ: [] };
  function execSteps(f: FakeSys, steps: Step[]): void {
    const st = newState(f, { newroot: NR, steps: [], hooks: { host: [], guest: [], all: [] }, command: { argv: ["true"], sigpipe: "default" },
                             environ: [] });
    st.scratch = "/srv/mkdir_overmount";
    f.addDir(st.scratch);
    for (const s of steps)
      runStep(st, { newroot: NR, steps: [], hooks: { host: [], guest: [], all: [] }, command: { argv: ["true"], sigpipe: "default" },
                    environ: [] }, s);
  }

  test("one bind per host directory (remounted with the spec's flags), a symlink per file, *.orig kept", () => {
    const f = image();
    const p = plan(f, ALL);
    execSteps(f, p.steps.filter((s) => s.op !== "device" && s.op !== "bind"));
    const mounts = f.callsOf("mount").map((a) => [a[0], a[1], msFlagNames(a[3] as number).join("|")]);
    assert.deepEqual(mounts, [
      ["/drv/lib", NR + "/ch/cdi/_drv_lib", "MS_BIND|MS_REC"],
      [null, NR + "/ch/cdi/_drv_lib", "MS_RDONLY|MS_NOSUID|MS_NODEV|MS_REMOUNT|MS_BIND"],
      ["/drv/bin", NR + "/ch/cdi/_drv_bin", "MS_BIND|MS_REC"],
      [null, NR + "/ch/cdi/_drv_bin", "MS_RDONLY|MS_NOSUID|MS_NODEV|MS_REMOUNT|MS_BIND"],
    ]);
    assert.equal(f.readlink(NR + "/usr/lib/fakecuda/libfakecuda.so.1.2.3"), "/ch/cdi/_drv_lib/libfakecuda.so.1.2.3");
    assert.equal(f.readlink(NR + "/usr/bin/fake-smi"), "/ch/cdi/_drv_bin/fake-smi");
    assert.equal(f.info(NR + "/usr/bin/fake-smi.orig").content, "old");
  });

  test("a link in a directory bound over since the last link there, or at a bind itself: refused", () => {
    for (const at of ["/usr/bin", "/usr/bin/smi2"]) {
      const f = image();
      const st = newState(f, EMPTY);
      f.addDir("/hostdir");
      runStep(st, EMPTY, { op: "merge-links", links: [{ dst: "/usr/bin/smi1", target: "/ch/cdi/x/smi1", why: "t" }] });
      // what the bind list's check would have refused to create under
      st.bindPaths.push(NR + at);
      const e = failureOf(() => runStep(st, EMPTY, { op: "merge-links",
                                                     links: [{ dst: "/usr/bin/smi2", target: "/ch/cdi/x/smi2", why: "t" }] }));
      assert.equal(e.message, "can't mkdir: " + NR + "/usr/bin/smi2 under existing bind-mount " + NR + at);
      assert.equal(f.exists(NR + "/usr/bin/smi2"), false);
    }
  });

  test("links of one step in one directory: each checked against the binds, the first made", () => {
    const f = image();
    const st = newState(f, EMPTY);
    st.bindPaths.push(NR + "/usr/bin/smi2");
    const e = failureOf(() => runStep(st, EMPTY, { op: "merge-links", links: [
      { dst: "/usr/bin/smi1", target: "/ch/cdi/x/smi1", why: "t" },
      { dst: "/usr/bin/smi2", target: "/ch/cdi/x/smi2", why: "t" }] }));
    assert.equal(e.message, "can't mkdir: " + NR + "/usr/bin/smi2 under existing bind-mount " + NR + "/usr/bin/smi2");
    assert.equal(f.readlink(NR + "/usr/bin/smi1"), "/ch/cdi/x/smi1");
  });

  test("a device node missing from the host's /dev: made in a ranch over the container's /dev, never on the host", () => {
    const f = image();
    const st = newState(f, { newroot: NR, steps: [], hooks: { host: [], guest: [], all: [] }, command: { argv: ["true"], sigpipe: "default" },
                             environ: [] });
    st.scratch = "/srv/mkdir_overmount";
    f.addDir(st.scratch);
    const empty: Plan = { newroot: NR, steps: [], hooks: { host: [], guest: [], all: [] }, command: { argv: ["true"], sigpipe: "default" },
                          environ: [] };
    runStep(st, empty, { op: "bind", src: "/dev", dst: "/dev", flags: [], mountFlags: [], why: "default" });
    runStep(st, empty, { op: "device", src: "/dev/full", dst: "/dev/fakegpu0", why: "test" });
    assert.equal(f.exists("/dev/fakegpu0"), false);
    const last = f.callsOf("mount").slice(-1)[0];
    assert.deepEqual([last[0], last[1]], ["/dev/full", NR + "/dev/fakegpu0"]);
  });
});
