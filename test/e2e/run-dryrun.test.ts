// --dry-run: the plan, as text or JSON, printed without creating any
// namespace or touching anything.

import { describe, test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";

import {
  AS_BOTH,
  As,
  BROKEN,
  IMG,
  RunOpts,
  RunResult,
  TEST_USER,
  cleanupScratch,
  describeResult,
  quietStorage,
  scratchDir,
  skiff,
  skiffChRun,
  testUser,
} from "../lib/harness.js";

after(cleanupScratch);

/** Run options with a storage directory, so no warning joins the output. */
function quiet(as: As, env: Record<string, string> = {}): RunOpts {
  return { as, env: { CH_IMAGE_STORAGE: quietStorage(), ...env } };
}

function ok(r: RunResult): string {
  assert.equal(r.status, 0, describeResult(r));
  assert.equal(r.stderr, "", describeResult(r));
  return r.stdout;
}

interface JsonStep {
  op: string;
  src?: string;
  dst?: string;
  map?: { uidOut: number; uidIn: number; gidOut: number; gidIn: number };
  size?: string;
  content?: string;
  files?: Array<{ dst: string }>;
}

function jsonPlan(r: RunResult): { newroot: string; steps: JsonStep[]; command: { argv: string[]; cwd?: string } } {
  const out = ok(r);
  const plan = JSON.parse(out);
  assert.ok(Array.isArray(plan.steps), out);
  return plan;
}

function ids(as: As): [number, number] {
  return as === "user" ? [testUser().uid, testUser().gid] : [0, 0];
}

describe("--dry-run", () => {
  for (const as of AS_BOTH) {
    test(`text: the binds and exec ..., as ${as}`, () => {
      const src = scratchDir(as, "bindsrc");
      const out = ok(skiff(["run", "--dry-run", "-b", `${src}:/mnt/0`, IMG, "--", "echo", "hi there"], quiet(as)));
      const [uid, gid] = ids(as);
      assert.ok(out.startsWith(`image root: ${IMG}\n`), out);
      for (const want of [
        `user namespace: uid ${uid} -> 0, gid ${gid} -> 0`,
        `user+mount namespace: uid 0 -> ${uid}, gid 0 -> ${gid}`,
        "remount new root read-only",
        "bind /dev -> /dev",
        "bind /proc -> /proc",
        "bind /sys -> /sys",
        "bind /etc/hosts -> /etc/hosts",
        "bind generated file -> /etc/passwd",
        "bind generated file -> /etc/group",
        "bind /tmp -> /tmp",
        `bind ${src} -> /mnt/0 (--bind`,
        "pivot_root into new root",
      ])
        assert.ok(out.includes(want), `${JSON.stringify(want)} not in:\n${out}`);
      assert.ok(out.endsWith('exec echo "hi there"\n'), out);
      // steps in the order they will run
      assert.ok(out.indexOf("bind /sys") < out.indexOf("/etc/passwd"));
      assert.ok(out.indexOf("/etc/passwd") < out.indexOf(`bind ${src}`));
      assert.ok(out.indexOf(`bind ${src}`) < out.indexOf("pivot_root"));
    });

    test(`text: the passwd content and the options' steps, as ${as}`, () => {
      const home = scratchDir(as, "home");
      const user = as === "user" ? TEST_USER : "root";
      const out = ok(skiff(["run", "--dry-run", "-u", "4242", "-W1m", "-t", "--home", "-c", "/etc", IMG, "--", "true"],
                           quiet(as, { HOME: home })));
      for (const want of [
        "charlie:x:4242:",
        "overlay tmpfs (size=1m)",
        "tmpfs -> /tmp",
        `bind ${home} -> /home/${user} (--home`,
        "cd /etc",
        "exec true",
      ])
        assert.ok(out.includes(want), `${JSON.stringify(want)} not in:\n${out}`);
      assert.ok(!out.includes("bind /tmp -> /tmp"), out);
    });

    test(`-w: no read-only remount, --no-passwd: no generated files, as ${as}`, () => {
      const out = ok(skiff(["run", "--dry-run", "-w", "--no-passwd", IMG, "--", "true"], quiet(as)));
      assert.ok(!out.includes("read-only"), out);
      assert.ok(!out.includes("generated file"), out);
    });

    test(`json: parses, with the steps, as ${as}`, () => {
      const src = scratchDir(as, "bindsrc");
      const plan = jsonPlan(skiff(["run", "--dry-run=json", "-W1m", "-b", `${src}:/mnt/0`, "--cd", "/etc", IMG, "--",
                                   "echo", "hi"], quiet(as)));
      const [uid, gid] = ids(as);
      assert.equal(plan.newroot, IMG);
      assert.deepEqual(plan.command.argv, ["echo", "hi"]);
      assert.equal(plan.command.cwd, "/etc");
      const ops = plan.steps.map((s) => s.op);
      assert.deepEqual(ops.slice(0, 5), ["userns", "userns", "claim-root", "remount-ro", "write-fake"]);
      assert.deepEqual(plan.steps[0].map, { uidOut: uid, uidIn: 0, gidOut: gid, gidIn: 0 });
      assert.deepEqual(plan.steps[1].map, { uidOut: 0, uidIn: uid, gidOut: 0, gidIn: gid });
      assert.equal(plan.steps[4].size, "1m");
      const binds = plan.steps.filter((s) => s.op === "bind").map((s) => `${s.src}:${s.dst}`);
      for (const b of ["/dev:/dev", "/proc:/proc", "/sys:/sys", "/etc/hosts:/etc/hosts", "/tmp:/tmp", `${src}:/mnt/0`])
        assert.ok(binds.includes(b), `${b} not in ${JSON.stringify(binds)}`);
      assert.deepEqual(plan.steps.filter((s) => s.op === "files").flatMap((s) => (s.files || []).map((f) => f.dst)),
                       ["/etc/passwd", "/etc/group"]);
      assert.equal(ops.indexOf("pivot"), ops.length - 2);
    });

    test(`creates no namespace: an image lacking /proc still exits 0, as ${as}`, () => {
      for (const fmt of ["--dry-run", "--dry-run=json", "--dry-run=text"]) {
        const out = ok(skiff(["run", fmt, BROKEN, "--", "true"], quiet(as)));
        assert.ok(out.includes("/proc"), out);
      }
    });

    test(`touches nothing: binds to create, a missing source, no temporaries, as ${as}`, () => {
      const tmpdir = scratchDir(as, "tmpdir");
      const out = ok(skiff(["run", "--dry-run", "-b", "/no/such/src:/no/such/dst", IMG, "--", "true"],
                           quiet(as, { TMPDIR: tmpdir })));
      assert.ok(out.includes("bind /no/such/src -> /no/such/dst"), out);
      assert.deepEqual(fs.readdirSync(tmpdir), []);
      assert.ok(!fs.existsSync(`${IMG}/no`));
    });

    test(`through the ch-run name, as ${as}`, () => {
      const out = ok(skiffChRun(["--dry-run", IMG, "--", "true"], quiet(as)));
      assert.ok(out.endsWith("exec true\n"), out);
    });
  }
});
