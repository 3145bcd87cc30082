// CDI (issue 13) on real images, as root and as the unprivileged user. No
// GPU here, so the fixture gives the hardware's footprint real form: small
// shared libraries built by the test (versioned file + soname link, as a
// driver installs them), a tool, device nodes that exist on the host under
// other names, and a spec written the way `nvidia-ctk cdi generate` writes
// it (YAML, and the same as JSON), with env, update-ldcache and
// create-symlinks hooks. Inside the container a program dlopen()s the
// library by soname, which works only if the image's ld cache was updated.

import { after, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";

import {
  AS_BOTH, As, CDI_IMG, CDI_SQFS, IMG, SKIFF, TEST_ROOT, TEST_USER, cleanupScratch, defaultEnv, describeResult,
  hostMounts, ok, run, RunResult, scratchDir, testUser, userCopyOfImage,
} from "../lib/harness.js";

after(cleanupScratch);

//// The fixture ////////////////////////////////////////////////////////////

/** YAML as Go's yaml.v2 writes it for nvidia-ctk: keys sorted, list items
    level with their key, scalars plain unless they would read as numbers. */
export function goYaml(v: unknown, indent = ""): string {
  const scalar = (s: unknown): string =>
    typeof s === "string" && (/^[0-9.+-]+$/.test(s) || /^[\s"'&*!|>%@`{}[\],#?-]|: | #|^$/.test(s))
      ? JSON.stringify(s) : String(s);
  const obj = v as Record<string, unknown>;
  let out = "";
  for (const k of Object.keys(obj).sort()) {
    const x = obj[k];
    if (Array.isArray(x)) {
      out += `${indent}${k}:\n`;
      for (const item of x) {
        if (typeof item === "object" && item !== null) {
          const body = goYaml(item, indent + "  ");
          out += `${indent}- ${body.slice(indent.length + 2)}`;
        } else {
          out += `${indent}- ${scalar(item)}\n`;
        }
      }
    } else if (typeof x === "object" && x !== null) {
      out += `${indent}${k}:\n${goYaml(x, indent + "  ")}`;
    } else {
      out += `${indent}${k}: ${scalar(x)}\n`;
    }
  }
  return out;
}

interface Fixture {
  dir: string;
  /** --cdi-dirs holding fake.yaml */
  yamlDir: string;
  /** the same spec as JSON */
  json: string;
  spec: Record<string, unknown>;
}

const KIND = "example.com/gpu";
const LIBDIR = "/usr/lib/fakecuda";

function sh(script: string): void {
  const r = run(["/bin/sh", "-ec", script]);
  assert.equal(r.status, 0, describeResult(r));
}

/** The driver's files under DIR/host, and a spec for them. */
export function makeFixture(dir: string, mounts = 2): Fixture {
  const lib = `${dir}/host/lib`;
  fs.mkdirSync(lib, { recursive: true });
  fs.mkdirSync(`${dir}/host/bin`);
  const files: string[] = [];
  for (let i = 0; i < mounts; i++) {
    const name = i === 0 ? "fakecuda" : `fake${i}`;
    fs.writeFileSync(`${dir}/host/${name}.c`, `int ${name}_init(void) { return ${42 + i}; }\n`);
    sh(`gcc -shared -fPIC -Wl,-soname,lib${name}.so.1 -o ${lib}/lib${name}.so.1.2.3 ${dir}/host/${name}.c
        ln -s lib${name}.so.1.2.3 ${lib}/lib${name}.so.1`);
    files.push(`lib${name}.so.1.2.3`);
  }
  fs.writeFileSync(`${dir}/host/bin/fake-smi`, "#!/bin/sh\necho 'fake-smi: 1 GPU'\n", { mode: 0o755 });
  const ro = ["ro", "nosuid", "nodev", "bind"];
  const hook = (...args: string[]) => ({ hookName: "createContainer", path: "/usr/bin/nvidia-cdi-hook",
                                         args: ["nvidia-cdi-hook", ...args] });
  const spec = {
    cdiVersion: "0.5.0",
    kind: KIND,
    devices: [
      { name: "0", containerEdits: { deviceNodes: [{ path: "/dev/fakegpu0", hostPath: "/dev/full" }] } },
      { name: "all", containerEdits: { deviceNodes: [{ path: "/dev/fakegpu0", hostPath: "/dev/full" },
                                                     { path: "/dev/null" }] } },
    ],
    containerEdits: {
      env: ["FAKE_VISIBLE_DEVICES=void", "FAKE_DRIVER_CAPABILITIES=$compute"],
      mounts: [
        ...files.map((f) => ({ hostPath: `${lib}/${f}`, containerPath: `${LIBDIR}/${f}`, options: ro })),
        { hostPath: `${dir}/host/bin/fake-smi`, containerPath: "/usr/bin/fake-smi", options: ro },
      ],
      hooks: [
        hook("create-symlinks", "--link", `libfakecuda.so.1::${LIBDIR}/libfakecuda.so`),
        hook("update-ldcache", "--folder", LIBDIR),
        hook("chmod", "--mode", "755", "--path", "/dev/dri"),
      ],
    },
  };
  fs.mkdirSync(`${dir}/cdi`);
  fs.writeFileSync(`${dir}/cdi/fake.yaml`, "---\n" + goYaml(spec));
  fs.writeFileSync(`${dir}/fake.json`, JSON.stringify(spec, null, 2));
  sh(`chmod -R a+rX ${dir}`);
  return { dir, yamlDir: `${dir}/cdi`, json: `${dir}/fake.json`, spec };
}

const fixtures: Partial<Record<As, Fixture>> = {};
function fixture(as: As): Fixture {
  return fixtures[as] ??= makeFixture(scratchDir(as, "cdi"));
}

/** A spec file of content in a directory of its own; returns the directory. */
function specDir(as: As, content: string, name = "x.yaml"): string {
  const d = scratchDir(as, "cdispec");
  fs.writeFileSync(`${d}/${name}`, content);
  fs.chmodSync(`${d}/${name}`, 0o644);
  return d;
}

/** What the container sees of the devices. */
const LOOK = "dlopen-test libfakecuda.so.1 fakecuda_init; fake-smi; ls -l /dev/fakegpu0 | cut -c1; "
  + `readlink ${LIBDIR}/libfakecuda.so; echo "$FAKE_VISIBLE_DEVICES $FAKE_DRIVER_CAPABILITIES"`;
const SEEN = "fakecuda_init: 42\nfake-smi: 1 GPU\nc\nlibfakecuda.so.1\nvoid $compute\n";

/** cache: $XDG_CACHE_HOME (default: the harness's, shared by the tests). */
function cdiRun(as: As, options: string[], script: string, image = CDI_IMG, cache?: string): RunResult {
  return run([SKIFF, "run", ...options, image, "--", "/bin/sh", "-c", script],
             { as, env: cache === undefined ? {} : { XDG_CACHE_HOME: cache } });
}

/** The single error line of a failed run, which must exit 31. */
function errorOf(r: RunResult): string {
  assert.equal(r.status, 31, describeResult(r));
  const lines = r.stderr.split("\n").filter((l) => / error: /.test(l));
  assert.equal(lines.length, 1, describeResult(r));
  assert.match(lines[0], / \(hint: .+\)$/);
  return lines[0];
}

for (const as of AS_BOTH) {
  describe(`CDI as ${as}`, () => {
    test("a spec as nvidia-ctk writes it (YAML): libraries by soname via the image's ldconfig, tool, device, env", () => {
      const f = fixture(as);
      assert.equal(ok(cdiRun(as, [`--cdi-dirs=${f.yamlDir}`, `--device=${KIND}`], LOOK)), SEEN);
      assert.equal(ok(cdiRun(as, [`--cdi-dirs=${f.yamlDir}`, "-d"], LOOK)), SEEN);
      assert.equal(ok(cdiRun(as, [`--cdi-dirs=${f.yamlDir}`, `--device=${KIND}=all`], LOOK)), SEEN);
    });

    test("the same spec as JSON, given by path: the same container", () => {
      assert.equal(ok(cdiRun(as, [`--device=${fixture(as).json}`], LOOK)), SEEN);
    });

    test("without CDI the library is not found (the test can fail)", () => {
      const r = cdiRun(as, [], "dlopen-test libfakecuda.so.1 fakecuda_init");
      assert.equal(r.status, 1, describeResult(r));
      assert.match(r.stderr, /libfakecuda\.so\.1: cannot open shared object file/);
    });

    test("one bind per host directory, files as symlinks into it; the host's /dev untouched", () => {
      const f = fixture(as);
      const out = ok(cdiRun(as, [`--device=${f.json}`],
                            `awk '$5 ~ "^/ch/cdi/"' /proc/self/mountinfo | wc -l; readlink ${LIBDIR}/libfakecuda.so.1.2.3`));
      const lib = fs.realpathSync(`${f.dir}/host/lib`).replace(/\//g, "_");
      assert.equal(out, `2\n/ch/cdi/${lib}/libfakecuda.so.1.2.3\n`); // three files: lib/ and bin/ bound once each
      assert.equal(fs.existsSync("/dev/fakegpu0"), false);
    });

    test("env in command-line order with --set-env and --unset-env, set as written (no $ expansion)", () => {
      const f = fixture(as);
      const show = 'echo "$FAKE_VISIBLE_DEVICES/${FAKE_DRIVER_CAPABILITIES-unset}"';
      assert.equal(ok(cdiRun(as, ["--set-env=FAKE_VISIBLE_DEVICES=0", `--device=${f.json}`], show)), "void/$compute\n");
      assert.equal(ok(cdiRun(as, [`--device=${f.json}`, "--set-env=FAKE_VISIBLE_DEVICES=0",
                                  "--unset-env=FAKE_DRIVER_*"], show)), "0/unset\n");
    });

    test("-v says which spec and what it does; -vv each hook as ch-run (hooks: host: calling ...)", () => {
      const f = fixture(as);
      const r = cdiRun(as, ["-vv", `--cdi-dirs=${f.yamlDir}`, "-d"], "true", CDI_IMG, scratchDir(as, "cache"));
      ok(r);
      for (const line of [`CDI: found spec ${f.yamlDir}/fake.yaml (${KIND})`,
                          `CDI: using ${f.yamlDir}/fake.yaml: ${KIND}=0, ${KIND}=all`,
                          "hooks: host: calling 1/2: cdi-create-symlinks",
                          "hooks: host: calling 2/2: cdi-update-ldcache",
                          "CDI: running /sbin/ldconfig: ldconfig -C /ch/cdi/ld.so.cache /usr/lib/fakecuda",
                          "ignoring hook chmod"])
        assert.ok(r.stderr.includes(line), `${line}\n${r.stderr}`);
    });

    test("--dry-run=json shows the CDI steps and hooks and touches nothing", () => {
      const f = fixture(as);
      const cache = scratchDir(as, "cache");
      const plan = JSON.parse(ok(cdiRun(as, ["--dry-run=json", `--device=${f.json}`], "true", CDI_IMG, cache)));
      const ops = plan.steps.map((s: { op: string }) => s.op);
      assert.deepEqual(ops.filter((o: string) => /^(mkdir|merge-|device)/.test(o)),
                       ["mkdir", "merge-dir", "merge-links", "merge-dir", "merge-links", "device"]);
      assert.ok(ops.includes("write-fake"));
      assert.equal(plan.hooks.host[1].name, "cdi-update-ldcache");
      const ld = plan.hooks.host[1].action.ld;
      assert.deepEqual([ld.folders, ld.cache, ld.save.dir], [[LIBDIR], "/ch/cdi/ld.so.cache", `${cache}/skiff/cdi`]);
      assert.match(ld.save.key, /CDI ld\.so\.cache 1; folders \/usr\/lib\/fakecuda; specs .*fake\.json /);
      assert.deepEqual(fs.readdirSync(cache), []);
      const text = ok(cdiRun(as, ["--dry-run", `--device=${f.json}`], "true"));
      assert.match(text, /bind .*\/host\/lib -> \/ch\/cdi\/\S+ \(merged: one bind for its files; .*fake\.json: containerEdits\.mounts\[0\]; MS_RDONLY\|MS_NOSUID\|MS_NODEV\)/);
      assert.match(text, /symlink \/usr\/bin\/fake-smi -> \/ch\/cdi\/\S+\/fake-smi/);
    });

    test("SquashFS image: the same container", () => {
      const mnt = scratchDir(as, "mnt");
      assert.equal(ok(cdiRun(as, [`--mount=${mnt}`, `--device=${fixture(as).json}`], LOOK, CDI_SQFS)), SEEN);
    });

    test("--join: every peer sees the devices, libraries and env", async () => {
      const f = fixture(as);
      const tag = `skiffcdi-${process.pid}-${as}`;
      const peers = [0, 1, 2].map(() => new Promise<RunResult>((resolve) => {
        const argv = [SKIFF, "run", "--join-ct=3", `--join-tag=${tag}`, `--device=${f.json}`, CDI_IMG, "--",
                      "/bin/sh", "-c", LOOK];
        const full = as === "user"
          ? ["/usr/bin/setpriv", `--reuid=${TEST_USER}`, `--regid=${TEST_USER}`, "--init-groups", "--", ...argv] : argv;
        const child = spawn(full[0], full.slice(1), { cwd: TEST_ROOT, env: defaultEnv(as) });
        let stdout = "", stderr = "";
        child.stdout.on("data", (d) => { stdout += d; });
        child.stderr.on("data", (d) => { stderr += d; });
        child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr }));
      }));
      for (const r of await Promise.all(peers))
        assert.equal(ok(r), SEEN);
    });

    //// The user's cache (src/cdi/cache.ts) ///////////////////////////////////

    test("cache: the second launch binds the ld.so.cache the first's ldconfig wrote; dlopen by soname works from it", () => {
      const f = fixture(as);
      const cache = scratchDir(as, "cache");
      const first = cdiRun(as, ["-v", `--cdi-dirs=${f.yamlDir}`, "-d"], LOOK, CDI_IMG, cache);
      assert.equal(ok(first), SEEN);
      assert.match(first.stderr, /CDI: running \/sbin\/ldconfig: /);
      assert.match(first.stderr, /CDI cache: saved .*\/skiff\/cdi\/ld\.so\.cache-[0-9a-f]+\.json/);
      const second = cdiRun(as, ["-v", `--cdi-dirs=${f.yamlDir}`, "-d"], LOOK, CDI_IMG, cache);
      assert.equal(ok(second), SEEN);
      assert.doesNotMatch(second.stderr, /running \/sbin\/ldconfig/);
      assert.match(second.stderr, /CDI: ld\.so\.cache from the cache: .* \(ldconfig not run\)/);
      assert.match(second.stderr, /CDI cache: .*fake\.yaml: checked spec from the cache/);
      // the third takes the plan the second made: no spec read, nothing planned
      const third = cdiRun(as, ["-v", `--cdi-dirs=${f.yamlDir}`, "-d"], LOOK, CDI_IMG, cache);
      assert.equal(ok(third), SEEN);
      assert.match(third.stderr, /CDI cache: plan from .*\/skiff\/cdi\/plan-[0-9a-f]+\.json \(no spec read, nothing planned\)/);
      assert.match(third.stderr, /CDI: using .*fake\.yaml: /, "what planning said, said again");
      assert.doesNotMatch(third.stderr, /checked spec from the cache|running \/sbin\/ldconfig/);
      // the user's own, and read-only in the container
      const names = fs.readdirSync(`${cache}/skiff/cdi`).sort();
      assert.equal(names.length, 4, names.join(" ")); // ld.so.cache-*, its .json, plan-*.json, spec-*.json
      for (const n of names)
        assert.equal(fs.statSync(`${cache}/skiff/cdi/${n}`).mode & 0o777, 0o600, n);
      const r = cdiRun(as, [`--cdi-dirs=${f.yamlDir}`, "-d"], "echo x > /etc/ld.so.cache", CDI_IMG, cache);
      assert.match(r.stderr, /Read-only file system/, describeResult(r));
    });

    test("cache: a change to anything it was made from runs ldconfig again", () => {
      const f = makeFixture(scratchDir(as, "cdikey")); // its own, to change
      const img = userCopyOfImage(as, CDI_IMG);
      const cache = scratchDir(as, "cache");
      let kept = false; // the last launch's plan came from the cache
      const ran = (): boolean => {
        const r = cdiRun(as, ["-v", `--device=${f.json}`], LOOK, img, cache);
        assert.equal(ok(r), SEEN);
        kept = /CDI cache: plan from /.test(r.stderr);
        return /CDI: running \/sbin\/ldconfig/.test(r.stderr);
      };
      assert.equal(ran(), true, "first launch");
      assert.equal(ran(), false, "unchanged");
      assert.equal(ran() || !kept, false, "unchanged: the plan kept");
      const changes: Array<[string, () => void]> = [
        ["a library replaced on the host", () => {
          fs.copyFileSync(`${f.dir}/host/lib/libfake1.so.1.2.3`, `${f.dir}/host/lib/new`);
          fs.renameSync(`${f.dir}/host/lib/new`, `${f.dir}/host/lib/libfake1.so.1.2.3`);
        }],
        ["a library changed in place", () => { fs.appendFileSync(`${f.dir}/host/lib/libfakecuda.so.1.2.3`, "\0"); }],
        ["the spec rewritten", () => { fs.writeFileSync(f.json, fs.readFileSync(f.json, "utf8")); }],
        ["the image's ld.so.conf.d", () => { fs.writeFileSync(`${img}/etc/ld.so.conf.d/x.conf`, "/opt/x\n"); }],
        ["the image's ldconfig", () => { fs.chmodSync(`${img}/sbin/ldconfig`, 0o755); }],
        ["the image's libraries", () => { fs.mkdirSync(`${img}/lib/x86_64-linux-gnu/x`); }],
      ];
      for (const [what, change] of changes) {
        change();
        assert.equal(ran() && !kept, true, what);
        assert.equal(ran(), false, what + ", then unchanged");
        assert.equal(ran() || !kept, false, what + ", then unchanged: the plan kept");
      }
    });

    test("cache: an entry not the user's own, or that others may write, is not used", () => {
      const f = fixture(as);
      const cache = scratchDir(as, "cache");
      const entries = `${cache}/skiff/cdi`;
      const ran = (): string => {
        const r = cdiRun(as, ["-v", `--device=${f.json}`], LOOK, CDI_IMG, cache);
        assert.equal(ok(r), SEEN);
        return /CDI: running \/sbin\/ldconfig/.test(r.stderr) ? r.stderr : "";
      };
      assert.notEqual(ran(), "");
      assert.equal(ran(), "");
      const file = fs.readdirSync(entries).find((n) => /^ld\.so\.cache-[0-9a-f]+$/.test(n)) as string;
      fs.chmodSync(`${entries}/${file}`, 0o620);
      assert.match(ran(), /CDI cache: not using .*: not your own file, or others may write to it/);
      assert.equal(ran(), "", "saved again, as the user's own");
      fs.chmodSync(entries, 0o777);
      assert.match(ran(), /CDI cache: not using .*: not your own directory/);
      fs.chmodSync(entries, 0o700);
      fs.chownSync(`${entries}/${file}`, as === "user" ? 0 : testUser().uid, 0);
      assert.match(ran(), /not your own file/);
      ran(); // the plan kept again
      for (const n of fs.readdirSync(entries).filter((n) => n.endsWith(".json")))
        fs.writeFileSync(`${entries}/${n}`, "{");
      assert.match(ran(), /CDI cache: can't read .*\/plan-[0-9a-f]+\.json[^]*CDI cache: can't read .*\/ld\.so\.cache-[0-9a-f]+\.json/);
    });

    test("cache: a spec file changed since it was cached is read again", () => {
      const f = fixture(as);
      const d = specDir(as, fs.readFileSync(`${f.yamlDir}/fake.yaml`, "utf8"), "fake.yaml");
      const cache = scratchDir(as, "cache");
      const show = 'echo "$FAKE_VISIBLE_DEVICES"';
      assert.equal(ok(cdiRun(as, [`--cdi-dirs=${d}`, "-d"], show, CDI_IMG, cache)), "void\n");
      fs.writeFileSync(`${d}/fake.yaml`, fs.readFileSync(`${d}/fake.yaml`, "utf8").replace("=void", "=new"));
      assert.equal(ok(cdiRun(as, [`--cdi-dirs=${d}`, "-d"], show, CDI_IMG, cache)), "new\n");
    });

    //// Errors: one line with a hint, exit 31, nothing left behind ////////////

    test("no spec for the kind; no spec at all", () => {
      const f = fixture(as);
      assert.match(errorOf(cdiRun(as, [`--cdi-dirs=${f.yamlDir}`, "--device=other.com/gpu"], "true")),
                   /error: CDI: no spec for kind other\.com\/gpu in .* \(hint: .*nvidia-ctk cdi generate/);
      assert.match(errorOf(cdiRun(as, [`--cdi-dirs=${f.dir}/none`, "-d"], "true")), /error: CDI: no spec files in /);
    });

    test("a library missing on the host", () => {
      const spec = JSON.parse(fs.readFileSync(fixture(as).json, "utf8"));
      spec.containerEdits.mounts[1].hostPath += ".gone";
      const d = specDir(as, JSON.stringify(spec), "gone.json");
      assert.match(errorOf(cdiRun(as, [`--device=${d}/gone.json`], "true")),
                   /error: .*gone\.json: containerEdits\.mounts\[1\]: hostPath not found on this host: .*\.gone \(hint: /);
    });

    test("an image without ldconfig when the spec asks for update-ldcache; nothing mounted left", () => {
      const f = fixture(as);
      assert.match(errorOf(cdiRun(as, [`--device=${f.json}`], "true", IMG)),
                   /error: CDI: the image has no ldconfig .* \(hint: install it in the image/);
      assert.deepEqual(hostMounts().filter((m) => m.mountPoint.startsWith(f.dir)), []);
      assert.equal(fs.existsSync("/dev/fakegpu0"), false);
    });

    test("KIND=NAME: a single device can't be chosen", () => {
      assert.match(errorOf(cdiRun(as, [`--device=${KIND}=0`], "true")),
                   /error: --device: can't inject a single device: example\.com\/gpu=0 \(hint: .*\/dev whole.*Slurm/);
    });

    test("spec files with unknown fields, wrong versions, duplicate devices: file and field named", () => {
      const spec = JSON.parse(fs.readFileSync(fixture(as).json, "utf8"));
      const bad = (change: (s: Record<string, any>) => void): string => {
        const s = JSON.parse(JSON.stringify(spec));
        change(s);
        const d = specDir(as, "---\n" + goYaml(s));
        return errorOf(cdiRun(as, [`--cdi-dirs=${d}`, `--device=${KIND}`], "true"));
      };
      assert.match(bad((s) => { s.devices[1].containerEdits.deviceNodes[0].hostpath = "/x"; }),
                   /error: .*\/x\.yaml: devices\[1\]\.containerEdits\.deviceNodes\[0\]: unknown field "hostpath" \(hint:/);
      assert.match(bad((s) => { s.cdiVersion = "2.0.0"; }), /error: .*\/x\.yaml: cdiVersion: unsupported version "2\.0\.0"/);
      assert.match(bad((s) => { s.cdiVersion = "0.4.0"; }),
                   /error: .*\/x\.yaml: devices\[0\]\.name: needs cdiVersion 0\.5\.0 or later; the file says 0\.4\.0/);
      assert.match(bad((s) => { s.devices[1].name = "0"; }), /error: .*\/x\.yaml: devices\[1\]\.name: duplicate device name "0"/);
      const d = specDir(as, "---\n" + goYaml(spec), "a.yaml");
      fs.writeFileSync(`${d}/b.json`, JSON.stringify(spec));
      fs.chmodSync(`${d}/b.json`, 0o644);
      assert.match(errorOf(cdiRun(as, [`--cdi-dirs=${d}`, "-d"], "true")),
                   /error: CDI: conflicting device example\.com\/gpu=0 \(specs .*\/a\.yaml, .*\/b\.json\)/);
    });
  });
}
